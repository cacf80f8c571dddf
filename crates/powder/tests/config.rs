//! Configs read from JSON with unit strings ("500 degC", "3.5 um", "10 kg", "2 h"), reject
//! unknown fields, and round-trip through serde.

use approx::assert_relative_eq;
use repm_powder::hd::HdConfig;
use repm_powder::jet_mill::JetMillConfig;
use repm_powder::press::PressConfig;
use repm_powder::strip_cast::StripCasterConfig;

#[test]
fn hd_config_reads_unit_strings() {
    let json = r#"{
        "pressure": "1 bar",
        "absorption_time": "3 h",
        "degassing": {"temperature": "500 degC", "hold": "2 h", "matrix_release": "250 degC",
                      "full_release": "580 degC", "dihydride_h_per_re": 2.0}
    }"#;
    let c: HdConfig = serde_json::from_str(json).unwrap();
    c.validate().unwrap();
    let d = HdConfig::default();
    assert_relative_eq!(c.pressure.si(), d.pressure.si(), max_relative = 1e-15);
    assert_relative_eq!(
        c.absorption_time.si(),
        d.absorption_time.si(),
        max_relative = 1e-15
    );
    assert_relative_eq!(c.degassing.temperature.si(), 773.15, max_relative = 1e-15);
}

#[test]
fn jet_mill_config_reads_unit_strings_and_round_trips() {
    let json = r#"{
        "classifier": {"cut_size": "3.5 um", "sharpness": 8},
        "operation": {"mode": "hold_up", "hold_up": "10 kg"},
        "particle_density": "7.6 g/cm3"
    }"#;
    let c: JetMillConfig = serde_json::from_str(json).unwrap();
    assert_relative_eq!(c.classifier.cut_size.si(), 3.5e-6, max_relative = 1e-15);
    assert_relative_eq!(c.particle_density.si(), 7600.0, max_relative = 1e-15);
    let back: JetMillConfig = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
    assert_eq!(back, c);
}

#[test]
fn unknown_fields_and_bad_values_are_rejected() {
    assert!(serde_json::from_str::<StripCasterConfig>(r#"{"wheel_sped": 1.0}"#).is_err());
    assert!(
        serde_json::from_str::<PressConfig>(r#"{"mode": {"mode": "die", "pressure": "12 K"}}"#)
            .is_err()
    );
    let c: StripCasterConfig = serde_json::from_str(r#"{"melt_temperature": "300 K"}"#).unwrap();
    assert!(
        c.validate().is_err(),
        "wheel hotter than melt must be refused"
    );
}
