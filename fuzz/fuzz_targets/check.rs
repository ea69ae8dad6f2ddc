//! `bibkit check` on arbitrary bytes, as a bibliography and as every kind of citing
//! document: nothing panics, every finding has a position in its file, and the JSON and
//! SARIF outputs are valid JSON.
#![no_main]

use bibkit::check::{Checker, Config, Level, cited, output};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut config = Config::default();
    for r in bibkit::check::RULES {
        config = config.with_level(r.id, Level::Warning);
    }
    let mut checker = Checker::new(config);
    checker.add_bib_bytes("in.bib", data);
    for (kind, name) in [
        (cited::Kind::Tex, "in.tex"),
        (cited::Kind::Aux, "in.aux"),
        (cited::Kind::Bcf, "in.bcf"),
        (cited::Kind::Markdown, "in.md"),
    ] {
        let scan = cited::scan(&text, kind, Some(name.into()));
        for c in &scan.citations {
            assert!(c.line >= 1 && c.column >= 1, "{c:?}");
            assert_eq!(&text[c.span.start..c.span.end], c.key, "{c:?}");
        }
        checker.add_cited(scan);
    }
    let findings = checker.run();
    for d in &findings {
        assert!(d.file.is_some(), "{d:?}");
    }
    assert!(serde_json::from_str::<serde_json::Value>(&output::json(&findings)).is_ok());
    assert!(serde_json::from_str::<serde_json::Value>(&output::sarif(&findings)).is_ok());
    let _ = output::github(&findings);
});
