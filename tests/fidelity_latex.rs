//! Fidelity on real exports, LaTeX to text: escaped addresses (DBLP, Mendeley), old font
//! switches, math with a Unicode form, case protection across commands, and the AASTeX
//! journal macros of ADS exports, end to end through `bibkit convert` and `bibkit check`.

use std::path::Path;

mod common;

/// The entry of the issue's reproducer.
const REPRO: &str = r"@article{dblp, author={A. Author}, title={{\bf Bold} and {\it it} {\sc Small} $\mu$m $\alpha$-Fe $\pm$0.1\% $\langle$111$\rangle$ H$_2$O x$^2$ {Euro\TeX} 92 {The \LaTeX\ Companion}}, journal={\apj}, doi={10.1007/3-540-48749-2\_2}, url={https://example.org/A{\_}B.PDF?a=1\&b=2\#x}, year=2001}
";

/// Runs bibkit on `bib` (written to a file in `dir`); gives stdout, stderr and the exit
/// code.
fn bibkit(dir: &Path, bib: &str, args: &[&str]) -> (String, String, i32) {
    std::fs::write(dir.join("in.bib"), bib).unwrap();
    common::bibkit(dir, args)
}

/// The reproducer's first item in CSL-JSON.
fn csl(bib: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let (out, err, code) = bibkit(dir.path(), bib, &["convert", "in.bib", "--to", "csl-json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v[0].clone()
}

fn bibtex(bib: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let (out, err, code) = bibkit(dir.path(), bib, &["convert", "in.bib", "--to", "bibtex"]);
    assert_eq!(code, 0, "{err}");
    out
}

fn check(bib: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let (out, _, _) = bibkit(dir.path(), bib, &["check", "in.bib"]);
    out
}

#[test]
fn escaped_url_and_doi_are_decoded() {
    let item = csl(REPRO);
    assert_eq!(item["DOI"], "10.1007/3-540-48749-2_2");
    assert_eq!(item["URL"], "https://example.org/A_B.PDF?a=1&b=2#x");
    let bib = bibtex(REPRO);
    assert!(bib.contains("doi     = {10.1007/3-540-48749-2_2}"), "{bib}");
    assert!(
        bib.contains("url     = {https://example.org/A_B.PDF?a=1&b=2#x}"),
        "{bib}"
    );
    let found = check(REPRO);
    assert!(
        found.contains("warning[escaped-url]: `doi` has LaTeX escapes")
            && found.contains("write `10.1007/3-540-48749-2_2`"),
        "{found}"
    );
    assert!(
        found.contains("write `https://example.org/A_B.PDF?a=1&b=2#x`"),
        "{found}"
    );
    // An eprint too, and a clean address says nothing.
    let found =
        check("@misc{m, title = {T}, eprint = {hep\\_th/9901001}, url = {https://a.org/x_y}}");
    assert!(found.contains("`eprint` has LaTeX escapes"), "{found}");
    assert!(!found.contains("`url` has"), "{found}");
    let dir = tempfile::tempdir().unwrap();
    let (out, _, code) = bibkit(dir.path(), "", &["check", "--explain", "escaped-url"]);
    assert_eq!(code, 0);
    assert!(out.contains("## `escaped-url`"), "{out}");
}

#[test]
fn old_font_switches_become_markup() {
    let item = csl(REPRO);
    let title = item["title"].as_str().unwrap();
    assert!(
        title.starts_with(
            r#"<b>Bold</b> and <i>it</i> <span style="font-variant:small-caps;">Small</span> "#
        ),
        "{title}"
    );
    for cmd in ["\\bf", "\\it", "\\sc"] {
        assert!(!title.contains(cmd), "{title}");
    }
    // BibTeX keeps each group whole, so each switch still ends where it did.
    let bib = bibtex(REPRO);
    assert!(
        bib.contains(r"{{\bf Bold} and {\it it} {\sc Small} "),
        "{bib}"
    );
    // Declarations, and a switch over the whole field.
    let item = csl("@misc{m, title = {\\bfseries Bold \\itshape both \\upshape \\mdseries plain}}");
    assert_eq!(item["title"], "<b>Bold </b><b><i>both </i></b>plain");
    let item = csl("@misc{m, title = {\\it Homo sapiens}}");
    assert_eq!(item["title"], "<i>Homo sapiens</i>");
}

#[test]
fn case_protection_across_commands() {
    let item = csl(REPRO);
    let title = item["title"].as_str().unwrap();
    assert!(
        title.ends_with(
            r#"<span class="nocase">EuroTeX</span> 92 <span class="nocase">The LaTeX Companion</span>"#
        ),
        "{title}"
    );
    let bib = bibtex(REPRO);
    assert!(
        bib.contains(r"{Euro\TeX} 92 {The \LaTeX\ Companion}}"),
        "{bib}"
    );
    // What bibkit writes reads back the same.
    let again = csl(&bib);
    assert_eq!(again["title"], item["title"]);
}

#[test]
fn aas_journal_macros_expand() {
    let item = csl(REPRO);
    assert_eq!(item["container-title"], "ApJ");
    let bib = bibtex(REPRO);
    assert!(bib.contains("journal = {ApJ}"), "{bib}");
    let found = check(REPRO);
    assert!(
        found.contains(
            "note[journal-macro]: `journaltitle` is the AASTeX macro `\\apj`; read as `ApJ`"
        ),
        "{found}"
    );
    let found = check(
        "@article{a, author = {Doe, Jane}, title = {On \\foo{} graphs}, journal = {\\mnras}, year = 2001}",
    );
    assert!(found.contains("read as `MNRAS`"), "{found}");
    assert!(
        found.contains(
            "warning[unknown-command]: `title` has a LaTeX command bibkit does not know (`\\foo`)"
        ),
        "{found}"
    );
    let dir = tempfile::tempdir().unwrap();
    for id in ["journal-macro", "unknown-command"] {
        let (out, _, code) = bibkit(dir.path(), "", &["check", "--explain", id]);
        assert_eq!(code, 0, "{id}");
        assert!(out.contains(&format!("## `{id}`")), "{out}");
    }
}

#[test]
fn math_with_a_unicode_form() {
    let item = csl(REPRO);
    let title = item["title"].as_str().unwrap();
    assert!(
        title.contains("μm α-Fe ±0.1% ⟨111⟩ H<sub>2</sub>O x<sup>2</sup> "),
        "{title}"
    );
    // BibTeX keeps the math as written.
    let bib = bibtex(REPRO);
    assert!(
        bib.contains(r"$\mu$m $\alpha$-Fe $\pm$0.1\% $\langle$111$\rangle$ H$_2$O x$^2$"),
        "{bib}"
    );
    // Math without a faithful text stays verbatim.
    let item = csl("@misc{m, title = {An $O(n \\log n)$ sort in $\\overline{1}10$}}");
    assert_eq!(item["title"], "An $O(n \\log n)$ sort in 1\u{305}10");
}
