//! `bibkit lsp` driven as an editor drives it: the real binary over stdio, on a project of a
//! `.bib`, a LaTeX thesis with a chapter, and a Markdown paper.
#![cfg(feature = "lsp")]

#[path = "common/lsp_client.rs"]
mod lsp_client;

use std::path::PathBuf;

use lsp_client::{Client, uri};
use serde_json::{Value, json};

const BIB: &str = "@string{acm = {ACM Press}}\n\n@article{knuth84,\n  author = {Knuth, Donald E.},\n  title = {Literate Programming},\n  journal = {The Computer Journal},\n  year = {1984},\n  pages = {97-111},\n}\n\n@book{lamport94,\n  author = {Lamport, Leslie},\n  title = {LaTeX: A Document Preparation System},\n  publisher = acm,\n  year = {1994},\n}\n\n@inproceedings{part,\n  title = {A Part},\n  crossref = {lamport94},\n}\n";

fn codes(d: &[Value]) -> Vec<String> {
    d.iter()
        .map(|x| x["code"].as_str().unwrap_or("").to_string())
        .collect()
}

fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::create_dir(root.join("chapters")).unwrap();
    std::fs::write(root.join("refs.bib"), BIB).unwrap();
    std::fs::write(
        root.join("thesis.tex"),
        "\\documentclass{report}\n\\begin{document}\n\\include{chapters/one}\n\\bibliography{refs}\n\\end{document}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("chapters/one.tex"),
        "As \\cite{knuth84} and \\citep[p.~3]{lamport94, part} show.\n",
    )
    .unwrap();
    std::fs::write(
        root.join("paper.md"),
        "---\nbibliography: refs.bib\n---\n\nAs @knuth84 says [@lamport94].\n",
    )
    .unwrap();
    (dir, root)
}

#[test]
fn an_editor_session() {
    let (_dir, root) = project();
    let bib = root.join("refs.bib");
    let chapter = root.join("chapters/one.tex");
    let paper = root.join("paper.md");
    let mut c = Client::start(env!("CARGO_BIN_EXE_bibkit").as_ref(), &root);

    let init = c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {
            "general": {"positionEncodings": ["utf-16"]},
            "textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]},
                "completion": {"completionItem": {"documentationFormat": ["markdown"]}}},
            "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}
        }}),
    );
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental sync");
    assert_eq!(caps["renameProvider"]["prepareProvider"], true);
    c.notify("initialized", json!({}));

    // Open the bibliography: its findings come, with rule ids and explanations.
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&bib), "languageId": "bibtex", "version": 1, "text": BIB}}),
    );
    let d = c.diagnostics(&uri(&bib), |d| !d.is_empty());
    let pages = d
        .iter()
        .find(|x| {
            x["message"].as_str().unwrap_or("").contains("97-111") || x["code"] == "page-range"
        })
        .unwrap_or_else(|| panic!("a finding about the page range: {d:#?}"));
    assert_eq!(pages["source"], "bibkit");
    let explained = pages["codeDescription"]["href"].as_str().unwrap();
    let explained = explained.strip_prefix("file://").unwrap();
    assert!(
        std::fs::read_to_string(explained)
            .unwrap()
            .contains(pages["code"].as_str().unwrap())
    );

    // The quick fix of that finding, marked preferred (safe).
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&bib)}, "range": pages["range"], "context": {"diagnostics": [pages]}}),
    );
    let actions = actions["result"].as_array().unwrap().clone();
    let quick = actions
        .iter()
        .find(|a| a["kind"] == "quickfix")
        .unwrap_or_else(|| panic!("a quick fix: {actions:#?}"));
    assert_eq!(quick["isPreferred"], true);
    let edits = quick["edit"]["changes"][uri(&bib)].as_array().unwrap();
    assert!(
        edits
            .iter()
            .any(|e| e["newText"].as_str().unwrap().contains("97--111")),
        "{edits:?}"
    );
    assert!(
        actions.iter().any(|a| a["kind"] == "source.fixAll.bibkit"),
        "{actions:#?}"
    );
    // Re-keying the entry by the default pattern, in the chapter too.
    let rekey = actions
        .iter()
        .find(|a| a["kind"] == "refactor.rewrite.bibkit.rekey")
        .unwrap_or_else(|| panic!("a re-key action: {actions:#?}"));
    assert!(
        rekey["title"]
            .as_str()
            .unwrap()
            .contains("`knuth1984literate`"),
        "{rekey}"
    );
    let chapter_uri = uri(&root.join("chapters/one.tex"));
    assert!(rekey["edit"]["changes"][&chapter_uri].is_array(), "{rekey}");
    let only = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&bib)}, "range": pages["range"], "context": {"diagnostics": [], "only": ["quickfix"]}}),
    );
    assert!(
        only["result"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["kind"] == "quickfix"),
        "{only}"
    );

    // Completion in the chapter, after `\citep[…]{lamport94, ` and a typed prefix.
    let chapter_text = std::fs::read_to_string(&chapter).unwrap();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&chapter), "languageId": "latex", "version": 1, "text": chapter_text}}),
    );
    let col = chapter_text.find("part}").unwrap() as u32;
    let list = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri(&chapter)}, "position": {"line": 0, "character": col + 2}}),
    );
    let items = list["result"]["items"].as_array().unwrap();
    let knuth = items
        .iter()
        .find(|i| i["label"] == "knuth84")
        .expect("knuth84 offered");
    assert!(
        knuth["detail"].as_str().unwrap().contains("Knuth (1984)"),
        "{knuth}"
    );
    assert_eq!(
        knuth["textEdit"]["range"]["start"]["character"], col,
        "replaces the prefix typed"
    );
    // Not outside a citation.
    let none = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri(&chapter)}, "position": {"line": 0, "character": 1}}),
    );
    assert!(none["result"].is_null(), "{none}");
    // Markdown: after `@`.
    let md_text = std::fs::read_to_string(&paper).unwrap();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&paper), "languageId": "markdown", "version": 1, "text": md_text}}),
    );
    let list = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri(&paper)}, "position": {"line": 4, "character": 5}}),
    );
    assert!(
        list["result"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["label"] == "lamport94")
    );

    // Hover on a citation shows the entry, rendered and as source.
    let col = chapter_text.find("knuth84").unwrap() as u32;
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&chapter)}, "position": {"line": 0, "character": col + 1}}),
    );
    let shown = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        shown.contains("Literate Programming") && shown.contains("@article{knuth84"),
        "{shown}"
    );

    // Go to definition: citation → entry; crossref → parent; macro use → @string.
    let def = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri(&chapter)}, "position": {"line": 0, "character": col + 1}}),
    );
    assert_eq!(def["result"][0]["uri"], uri(&bib));
    assert_eq!(def["result"][0]["range"]["start"]["line"], 2);
    let line_of = |needle: &str| BIB[..BIB.find(needle).unwrap()].matches('\n').count();
    let col_of = |needle: &str| {
        let at = BIB.find(needle).unwrap();
        (at - BIB[..at].rfind('\n').map_or(0, |i| i + 1)) as u32
    };
    let def = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri(&bib)}, "position": {"line": line_of("crossref = {lamport94"), "character": col_of("crossref = {lamport94") + 13}}),
    );
    assert_eq!(
        def["result"][0]["range"]["start"]["line"],
        line_of("@book{lamport94") as u64,
        "{def}"
    );
    let def = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri(&bib)}, "position": {"line": line_of("publisher = acm"), "character": col_of("publisher = acm") + 13}}),
    );
    assert_eq!(def["result"][0]["range"]["start"]["line"], 0, "{def}");

    // References: every citation of the entry, in the chapter and in the paper.
    let refs = c.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri(&bib)}, "position": {"line": 2, "character": 11}, "context": {"includeDeclaration": false}}),
    );
    let mut files: Vec<String> = refs["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["uri"].as_str().unwrap().to_string())
        .collect();
    files.sort();
    assert_eq!(files, [uri(&chapter), uri(&paper)]);

    // Outline.
    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri(&bib)}}),
    );
    let names: Vec<&str> = symbols["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["acm", "knuth84", "lamport94", "part"]);
    let found = c.request("workspace/symbol", json!({"query": "literate"}));
    assert_eq!(found["result"][0]["name"], "knuth84");

    // Formatting: edits only where the text changes.
    let fmt = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri(&bib)}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let edits = fmt["result"].as_array().unwrap();
    assert!(!edits.is_empty() && edits.len() < 10, "{edits:?}");
    let mut formatted = BIB.to_string();
    apply(&mut formatted, edits);
    let expected = bibkit::fmt::format(BIB, &bibkit::fmt::FmtOptions::default()).text;
    assert_eq!(formatted, expected);

    // Rename a key everywhere: the entry, the crossref, the chapter and the paper.
    let prep = c.request(
        "textDocument/prepareRename",
        json!({"textDocument": {"uri": uri(&paper)}, "position": {"line": 4, "character": 21}}),
    );
    assert_eq!(prep["result"]["placeholder"], "lamport94", "{prep}");
    let renamed = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri(&paper)}, "position": {"line": 4, "character": 21}, "newName": "lamport1994latex"}),
    );
    let changes = renamed["result"]["changes"].as_object().unwrap();
    let mut bib_after = BIB.to_string();
    apply(&mut bib_after, changes[&uri(&bib)].as_array().unwrap());
    assert!(
        bib_after.contains("@book{lamport1994latex,")
            && bib_after.contains("crossref = {lamport1994latex}")
    );
    let mut chapter_after = chapter_text.clone();
    apply(
        &mut chapter_after,
        changes[&uri(&chapter)].as_array().unwrap(),
    );
    assert_eq!(
        chapter_after,
        "As \\cite{knuth84} and \\citep[p.~3]{lamport1994latex, part} show.\n"
    );
    assert!(changes.contains_key(&uri(&paper)));
    let bad = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri(&paper)}, "position": {"line": 4, "character": 21}, "newName": "two words"}),
    );
    assert_eq!(bad["error"]["code"], -32602, "{bad}");

    // An edit to the bibliography (incremental): the entry removed makes its citations
    // undefined in the chapter.
    let start = line_of("@article{knuth84");
    let end = line_of("@book{lamport94");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&bib), "version": 2}, "contentChanges": [
            {"range": {"start": {"line": start, "character": 0}, "end": {"line": end, "character": 0}}, "text": ""}
        ]}),
    );
    let d = c.diagnostics(&uri(&chapter), |d| {
        codes(d).contains(&"undefined-citation".to_string())
    });
    assert_eq!(d[0]["range"]["start"]["character"], col, "{d:?}");
    // And put back: the chapter's findings are cleared.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&bib), "version": 3}, "contentChanges": [{"text": BIB}]}),
    );
    c.diagnostics(&uri(&chapter), |d| {
        !codes(d).contains(&"undefined-citation".to_string())
    });

    // Errors: unknown methods, bad params, and a message that is not JSON at all.
    let unknown = c.request("bibkit/nothing", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    let bad = c.request("textDocument/hover", json!({"nonsense": true}));
    assert_eq!(bad["error"]["code"], -32602);
    c.raw("{not json");
    let still = c.request("workspace/symbol", json!({"query": "lamport"}));
    assert_eq!(still["result"][0]["name"], "lamport94");

    let down = c.request("shutdown", Value::Null);
    assert!(down["result"].is_null() && down.get("error").is_none());
    c.notify("exit", Value::Null);
    let status = c.child.wait().unwrap();
    assert!(status.success(), "exit after shutdown is 0: {status:?}");
}

/// Applies LSP edits (UTF-16 positions; the fixtures are ASCII) to `text`.
fn apply(text: &mut String, edits: &[Value]) {
    let offset = |t: &str, p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        let ch = p["character"].as_u64().unwrap() as usize;
        let start: usize = t.split_inclusive('\n').take(line).map(str::len).sum();
        start + ch
    };
    let mut e: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|x| {
            (
                offset(text, &x["range"]["start"]),
                offset(text, &x["range"]["end"]),
                x["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    e.sort_by_key(|x| std::cmp::Reverse(x.0));
    for (a, b, t) in e {
        text.replace_range(a..b, &t);
    }
}

#[test]
fn a_panicking_handler_is_answered_and_logged_and_the_server_goes_on() {
    let (_dir, root) = project();
    let mut c = Client::start_with_env(
        env!("CARGO_BIN_EXE_bibkit").as_ref(),
        &["lsp"],
        &root,
        &[("BIBKIT_LSP_TEST_PANIC", "1"), ("RUST_BACKTRACE", "0")],
    );
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {}}),
    );
    c.notify("initialized", json!({}));
    let answer = c.request("bibkit/panicForTest", json!({}));
    assert_eq!(answer["error"]["code"], -32603, "{answer}");
    assert!(
        c.seen.iter().any(|m| m["method"] == "window/logMessage"
            && m["params"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("a panic the test asked for")),
        "{:#?}",
        c.seen
    );
    let found = c.request("workspace/symbol", json!({"query": "literate"}));
    assert_eq!(found["result"][0]["name"], "knuth84");
    // Requests before `initialize` and after `shutdown` are refused as the protocol says.
    c.request("shutdown", Value::Null);
    let late = c.request("workspace/symbol", json!({"query": ""}));
    assert_eq!(late["error"]["code"], -32600, "{late}");
    c.notify("exit", Value::Null);
    assert!(c.child.wait().unwrap().success());
    let mut early = Client::start(env!("CARGO_BIN_EXE_bibkit").as_ref(), &root);
    let refused = early.request("workspace/symbol", json!({"query": ""}));
    assert_eq!(refused["error"]["code"], -32002, "{refused}");
    early.notify("exit", Value::Null);
    assert!(
        !early.child.wait().unwrap().success(),
        "exit without shutdown is 1"
    );
}

#[test]
fn duplicates_are_merged_by_a_quick_fix() {
    let (_dir, root) = project();
    let bib_text = "@article{first,\n  author = {Knuth, Donald E.},\n  title = {Literate Programming},\n  journal = {The Computer Journal},\n  year = {1984},\n  doi = {10.1093/comjnl/27.2.97},\n}\n\n@article{second,\n  author = {Knuth, D. E.},\n  title = {Literate Programming},\n  year = {1984},\n  volume = {27},\n  doi = {10.1093/comjnl/27.2.97},\n}\n";
    std::fs::write(root.join("refs.bib"), bib_text).unwrap();
    std::fs::write(root.join("chapters/one.tex"), "See \\cite{second}.\n").unwrap();
    let bib = root.join("refs.bib");
    let mut c = Client::start(env!("CARGO_BIN_EXE_bibkit").as_ref(), &root);
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {}}),
    );
    c.notify("initialized", json!({}));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&bib), "languageId": "bibtex", "version": 1, "text": bib_text}}),
    );
    let d = c.diagnostics(&uri(&bib), |d| {
        codes(d).contains(&"duplicate-entry".to_string())
    });
    let dup = d
        .iter()
        .find(|x| x["code"] == "duplicate-entry")
        .unwrap()
        .clone();
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&bib)}, "range": dup["range"], "context": {"diagnostics": [dup]}}),
    );
    let actions = actions["result"].as_array().unwrap().clone();
    let merge = actions
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap_or("")
                .starts_with("Merge `second` into `first`")
        })
        .unwrap_or_else(|| panic!("a merge action: {actions:#?}"));
    let mut after = bib_text.to_string();
    apply(
        &mut after,
        merge["edit"]["changes"][uri(&bib)].as_array().unwrap(),
    );
    assert!(
        after.contains("@article{first,") && !after.contains("@article{second,"),
        "{after}"
    );
    assert!(
        after.contains("volume") && after.contains("ids"),
        "the fields only the duplicate had, and its key: {after}"
    );
    assert!(
        after.contains("% bibkit: `second` was merged into `first`"),
        "{after}"
    );
    let mut chapter = "See \\cite{second}.\n".to_string();
    apply(
        &mut chapter,
        merge["edit"]["changes"][uri(&root.join("chapters/one.tex"))]
            .as_array()
            .unwrap(),
    );
    assert_eq!(chapter, "See \\cite{first}.\n");
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert!(c.child.wait().unwrap().success());
}

#[test]
fn files_changed_on_disk_are_read_again() {
    let (_dir, root) = project();
    let mut c = Client::start(env!("CARGO_BIN_EXE_bibkit").as_ref(), &root);
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {
            "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}
        }}),
    );
    c.notify("initialized", json!({}));
    // The server asks to be told of the project's files (the client answers in `other`).
    let none = c.request("workspace/symbol", json!({"query": "turing"}));
    assert_eq!(none["result"], json!([]));
    // A new bibliography, and an entry added to the old one, on disk.
    std::fs::write(root.join("more.bib"), "@article{turing36, title = {On Computable Numbers}, author = {Turing, Alan}, year = 1936}\n").unwrap();
    std::fs::write(
        root.join("refs.bib"),
        format!("{BIB}\n@misc{{turing50, title = {{Computing Machinery}}}}\n"),
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [
            {"uri": uri(&root.join("more.bib")), "type": 1},
            {"uri": uri(&root.join("refs.bib")), "type": 2}
        ]}),
    );
    let found = c.request("workspace/symbol", json!({"query": "turing"}));
    let mut names: Vec<&str> = found["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["turing36", "turing50"], "{found}");
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert!(c.child.wait().unwrap().success());
}
