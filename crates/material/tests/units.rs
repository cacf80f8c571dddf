//! Unit newtype tests: parsing of every documented unit, dimension errors, serde, and proptests
//! (parse → display → parse bit-exact round trip; °C ↔ K and h ↔ s exactness).

#![allow(clippy::float_cmp)] // bit-exactness is what these tests check

use proptest::prelude::*;
use repm_material::MaterialError;
use repm_material::units::*;

fn si<T: std::str::FromStr<Err = MaterialError>>(s: &str) -> T {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn every_documented_unit_parses_to_the_right_si_value() {
    let t = |s: &str| si::<Temperature>(s).si();
    assert_eq!(t("1123.15 K"), 1123.15);
    assert_eq!(t("850 degC"), 1123.15);
    assert_eq!(t("850 °C"), 1123.15);
    assert_eq!(t("212 degF"), 373.15);
    assert_eq!(t("-40 °F"), si::<Temperature>("-40 degC").si());
    let p = |s: &str| si::<Pressure>(s).si();
    assert_eq!(p("1 atm"), 101_325.0);
    assert_eq!(p("760 Torr"), 101_325.0);
    assert_eq!(p("1 mmHg"), 133.322387415);
    assert_eq!(p("2.5 bar"), 2.5e5);
    assert_eq!(p("10 mbar"), 1000.0);
    assert_eq!(p("3 kPa") + p("1 MPa"), 1_003_000.0);
    let m = |s: &str| si::<Mass>(s).si();
    assert_eq!(m("2 t"), 2000.0);
    assert_eq!(m("250 g"), 0.25);
    assert_eq!(m("5 mg"), 5e-6);
    assert_eq!(si::<Amount>("3 kmol").si(), 3000.0);
    assert_eq!(si::<Amount>("3 mmol").si(), 0.003);
    let mf = |s: &str| si::<MassFlow>(s).si();
    assert_eq!(mf("12 kg/h"), 12.0 / 3600.0);
    assert_eq!(mf("1 t/h"), 1000.0 / 3600.0);
    assert_eq!(mf("1 t/d"), 1000.0 / 86400.0);
    assert_eq!(mf("1000 t/y"), 1e6 / 31_557_600.0);
    assert_eq!(mf("1000 t/a"), mf("1000 t/y"));
    assert_eq!(mf("60 g/min"), 0.06 / 60.0);
    let qn = |s: &str| si::<MolarFlow>(s).si();
    assert_eq!(qn("3600 mol/h"), 1.0);
    assert_eq!(qn("3.6 kmol/h"), 1.0);
    assert_eq!(si::<Volume>("62 L").si(), 0.062);
    assert_eq!(si::<Volume>("5 mL").si(), 5e-6);
    let vf = |s: &str| si::<VolumeFlow>(s).si();
    assert_eq!(vf("62 L/h"), 0.062 / 3600.0);
    assert_eq!(vf("3 L/min"), 0.003 / 60.0);
    assert_eq!(vf("36 m3/h"), 0.01);
    let c = |s: &str| si::<Concentration>(s).si();
    assert_eq!(c("1.5 mol/L"), 1500.0);
    assert_eq!(c("1.5 M"), 1500.0);
    assert_eq!(c("7 mmol/L"), 7.0);
    assert_eq!(c("7 mol/m3"), 7.0);
    let e = |s: &str| si::<Energy>(s).si();
    assert_eq!(e("2 kWh"), 7.2e6);
    assert_eq!(e("1 Wh"), 3600.0);
    assert_eq!(e("-3 MJ"), -3e6);
    assert_eq!(si::<Power>("1.5 MW").si(), 1.5e6);
    let l = |s: &str| si::<Length>(s).si();
    assert_eq!(l("0.3 mm"), 3e-4);
    assert_eq!(l("0.3mm"), 3e-4);
    assert_eq!(l("5 µm"), 5e-6);
    assert_eq!(l("5 um"), 5e-6);
    assert_eq!(l("250 nm"), 2.5e-7);
    assert_eq!(l("2 cm"), 0.02);
    assert_eq!(si::<Area>("3 cm2").si(), 3e-4);
    assert_eq!(si::<Area>("3 mm2").si(), 3e-6);
    assert_eq!(si::<Density>("7.5 g/cm3").si(), 7500.0);
    assert_eq!(si::<Density>("7.5 g/L").si(), 7.5);
    let ts = |s: &str| si::<TimeSpan>(s).si();
    assert_eq!(ts("90 min"), 5400.0);
    assert_eq!(ts("1.5 h"), 5400.0);
    assert_eq!(ts("2 d"), 172_800.0);
    assert_eq!(ts("1e3 s"), 1000.0);
}

#[test]
fn mass_concentration_needs_a_molar_mass() {
    let err = "100 mg/L".parse::<Concentration>().unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("100 mg/L") && msg.contains("molar mass"),
        "{msg}"
    );
    // 100 mg/L of Nd (M = 0.144242 kg/mol): 0.1 kg/m3 / 0.144242 kg/mol
    let c = Concentration::from_mass_concentration("100 mg/L", 0.144242).unwrap();
    assert_eq!(c.si(), 0.1 / 0.144242);
    let c = Concentration::from_mass_concentration("2 mol/L", 0.144242).unwrap();
    assert_eq!(c.si(), 2000.0);
    assert!(Concentration::from_mass_concentration("2 g/L", f64::NAN).is_err());
}

#[test]
fn bad_inputs_are_unit_errors_naming_input_and_dimension() {
    for (input, ok_for) in [
        ("12 K", "temperature"),
        ("3 mol/s", "molar flow"),
        ("5 L/h", "volume flow"),
    ] {
        let e = input.parse::<MassFlow>().unwrap_err();
        match &e {
            MaterialError::Unit {
                input: i,
                expected,
                message,
            } => {
                assert_eq!(i, input);
                assert_eq!(*expected, "mass flow");
                assert!(message.contains(ok_for), "{message}");
            }
            other => panic!("{other}"),
        }
    }
    for bad in [
        "12 furlongs",
        "NaN K",
        "inf K",
        "1123.15 K extra",
        "",
        "   ",
        "12",
        "K",
        "1e999 K",
        "-1 K",
        "-274 degC",
        "1.2.3 K",
        "12 k",
        "--3 K",
        "0x10 K",
    ] {
        match bad.parse::<Temperature>() {
            Err(MaterialError::Unit {
                input, expected, ..
            }) => {
                assert_eq!(input, bad);
                assert_eq!(expected, "temperature");
            }
            other => panic!("{bad:?}: expected a unit error, got {other:?}"),
        }
    }
    assert!("-1 kg".parse::<Mass>().is_err());
    assert!(Mass::new(f64::NAN).is_err());
    assert!(Mass::new(-1.0).is_err());
    assert!(Energy::new(-1.0).is_ok());
}

#[test]
fn serde_accepts_string_or_si_number_and_writes_canonical() {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Cfg {
        t: Temperature,
        flow: MassFlow,
        d: Length,
    }
    let cfg: Cfg =
        serde_json::from_str(r#"{"t": "850 degC", "flow": 0.5, "d": "0.3 mm"}"#).unwrap();
    assert_eq!(cfg.t.si(), 1123.15);
    assert_eq!(cfg.flow.si(), 0.5);
    let json = serde_json::to_string(&cfg).unwrap();
    assert_eq!(
        json,
        r#"{"t":"1123.15 K","flow":"0.5 kg/s","d":"0.0003 m"}"#
    );
    let back: Cfg = serde_json::from_str(&json).unwrap();
    assert_eq!(back, cfg);
    assert!(serde_json::from_str::<Cfg>(r#"{"t": "12 kg", "flow": 0.5, "d": 1}"#).is_err());
    assert!(serde_json::from_str::<Cfg>(r#"{"t": -3, "flow": 0.5, "d": 1}"#).is_err());
}

#[test]
fn conversions_for_reports() {
    let t: Temperature = "1123.15 K".parse().unwrap();
    assert!((t.in_unit("degC").unwrap() - 850.0).abs() < 1e-12);
    let f: MassFlow = "12 kg/h".parse().unwrap();
    assert!((f.in_unit("kg/h").unwrap() - 12.0).abs() < 1e-12);
    assert!(f.in_unit("K").is_err());
    let m: Mass = f * TimeSpan::from_si(3600.0);
    assert!((m.si() - 12.0).abs() < 1e-12);
    let d = TimeSpan::from_si(1.5).to_duration().unwrap();
    assert_eq!(d, std::time::Duration::from_millis(1500));
}

fn any_positive() -> impl Strategy<Value = f64> {
    prop_oneof![
        (0u64..u64::MAX).prop_map(|b| f64::from_bits(b >> 2)), // positive finite, many magnitudes
        1e-12f64..1e12,
        Just(0.0),
    ]
    .prop_filter("finite", |x| x.is_finite())
}

fn round_trip<T>(v: T) -> Result<(), TestCaseError>
where
    T: std::fmt::Display
        + std::str::FromStr<Err = MaterialError>
        + Copy
        + std::fmt::Debug
        + serde::Serialize
        + serde::de::DeserializeOwned,
    T: PartialEq,
{
    let s = v.to_string();
    let back: T = s
        .parse()
        .map_err(|e: MaterialError| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(back.to_string(), s.clone());
    prop_assert!(back == v, "{} -> {:?} != {:?}", s, back, v);
    let json = serde_json::to_string(&v).unwrap();
    let back: T = serde_json::from_str(&json).unwrap();
    prop_assert!(back == v);
    Ok(())
}

const DECIMAL_UNITS: &[(&str, &str)] = &[
    ("temperature", "degC"),
    ("temperature", "K"),
    ("temperature", "degF"),
    ("pressure", "bar"),
    ("pressure", "Torr"),
    ("mass flow", "kg/h"),
    ("mass flow", "t/y"),
    ("length", "µm"),
    ("concentration", "mol/L"),
    ("volume flow", "L/min"),
    ("energy", "kWh"),
    ("time span", "h"),
];

proptest! {
    #[test]
    fn display_parse_is_bit_exact(x in any_positive()) {
        round_trip(Temperature::from_si(x))?;
        round_trip(Pressure::from_si(x))?;
        round_trip(Mass::from_si(x))?;
        round_trip(Amount::from_si(x))?;
        round_trip(MassFlow::from_si(x))?;
        round_trip(MolarFlow::from_si(x))?;
        round_trip(Volume::from_si(x))?;
        round_trip(VolumeFlow::from_si(x))?;
        round_trip(Concentration::from_si(x))?;
        round_trip(Energy::from_si(-x))?;
        round_trip(Power::from_si(x))?;
        round_trip(Length::from_si(x))?;
        round_trip(Area::from_si(x))?;
        round_trip(Density::from_si(x))?;
        round_trip(TimeSpan::from_si(x))?;
    }

    #[test]
    fn text_with_any_unit_round_trips_through_canonical(int in 0u64..10_000_000, frac in 0u32..1000,
                                                       k in 0usize..12) {
        let (dim, unit) = DECIMAL_UNITS[k];
        let text = format!("{int}.{frac:03} {unit}");
        macro_rules! go { ($t:ty) => {{
            let v: $t = text.parse().unwrap();
            let again: $t = v.to_string().parse().unwrap();
            prop_assert_eq!(again.si().to_bits(), v.si().to_bits());
        }}}
        match dim {
            "temperature" => go!(Temperature), "pressure" => go!(Pressure),
            "mass flow" => go!(MassFlow), "length" => go!(Length),
            "concentration" => go!(Concentration), "volume flow" => go!(VolumeFlow),
            "energy" => go!(Energy), "time span" => go!(TimeSpan), _ => unreachable!(),
        }
    }

    /// °C → K adds 273.15 exactly in decimal: "c degC" is the same f64 as the decimal c + 273.15 in K.
    #[test]
    fn celsius_kelvin_exact(hundredths in -27315i64..10_000_000) {
        let fmt = |h: i64| format!("{}{}.{:02}", if h < 0 { "-" } else { "" }, h.abs() / 100, h.abs() % 100);
        let c: Temperature = format!("{} degC", fmt(hundredths)).parse().unwrap();
        let k: Temperature = format!("{} K", fmt(hundredths + 27315)).parse().unwrap();
        prop_assert_eq!(c.si().to_bits(), k.si().to_bits());
    }

    /// h → s is exact: "x h" = 3600·x (exact decimal product) and back, for values exact in binary.
    #[test]
    fn hours_seconds_exact(n in 0u32..1_000_000, shift in 0u32..12) {
        let x = f64::from(n) / f64::from(1u32 << shift); // exactly representable, finite decimal
        let t: TimeSpan = format!("{x} h").parse().unwrap();
        prop_assert_eq!(t.si(), x * 3600.0);
        prop_assert_eq!(t.in_unit("h").unwrap(), x);
        let s: TimeSpan = format!("{} s", x * 3600.0).parse().unwrap();
        prop_assert_eq!(s, t);
    }

    #[test]
    fn garbage_never_panics(s in "\\PC{0,20}") {
        let _ = s.parse::<Temperature>();
        let _ = s.parse::<MassFlow>();
        let _ = Concentration::from_mass_concentration(&s, 0.1);
    }
}
