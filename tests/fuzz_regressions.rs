//! Every input the fuzzers ever failed on (`tests/regressions/<target>/`), run through the
//! same checks as the fuzz targets in `fuzz/fuzz_targets/`, so each stays fixed.

#[path = "../fuzz/common/checks.rs"]
mod checks;

use checks::{
    check_bib, check_biblatexml, check_cff, check_csl, check_csl_yaml, check_endnote,
    check_endnote_xml, check_hayagriva, check_listing, check_medline, check_mods, check_ris,
    check_scan, check_wos, check_write,
};

fn run(target: &str, check: fn(&[u8], &str)) -> usize {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return 0;
    };
    let mut n = 0;
    for e in entries {
        let path = e.unwrap().path();
        check(&std::fs::read(&path).unwrap(), &path.display().to_string());
        n += 1;
    }
    n
}

#[test]
fn read_bib_regressions() {
    run("read_bib", check_bib);
}

#[test]
fn read_listing_regressions() {
    run("read_listing", check_listing);
}

#[test]
fn read_ris_regressions() {
    assert!(run("read_ris", check_ris) >= 4);
}

#[test]
fn read_medline_regressions() {
    assert!(run("read_medline", check_medline) >= 4);
}

#[test]
fn read_wos_regressions() {
    assert!(run("read_wos", check_wos) >= 4);
}

#[test]
fn read_endnote_regressions() {
    assert!(run("read_endnote", check_endnote) >= 4);
}

#[test]
fn read_endnote_xml_regressions() {
    assert!(run("read_endnote_xml", check_endnote_xml) >= 4);
}

#[test]
fn read_cff_regressions() {
    assert!(run("read_cff", check_cff) >= 4);
}

#[test]
fn read_mods_regressions() {
    assert!(run("read_mods", check_mods) >= 4);
}

#[test]
fn read_biblatexml_regressions() {
    assert!(run("read_biblatexml", check_biblatexml) >= 4);
}

#[test]
fn read_hayagriva_regressions() {
    assert!(run("read_hayagriva", check_hayagriva) >= 4);
}

#[test]
fn read_csl_yaml_regressions() {
    assert!(run("read_csl_yaml", check_csl_yaml) >= 4);
}

#[test]
fn read_csl_regressions() {
    assert!(run("read_csl", check_csl) >= 3);
}

#[test]
fn write_regressions() {
    run("write", check_write);
}

#[test]
fn scan_regressions() {
    run("scan", check_scan);
}

/// The writer and scanner checks on the inputs of the other targets too.
#[test]
fn write_and_scan_on_every_regression() {
    for target in [
        "read_bib",
        "read_csl",
        "read_listing",
        "read_ris",
        "read_medline",
        "read_wos",
        "read_endnote",
        "read_endnote_xml",
        "read_cff",
        "read_mods",
        "read_biblatexml",
        "read_hayagriva",
        "read_csl_yaml",
    ] {
        run(target, check_write);
        run(target, check_scan);
    }
}
