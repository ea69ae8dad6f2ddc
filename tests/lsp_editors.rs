//! The editor setups of the README start the server: each snippet's command line is taken
//! from the README as written and started for a session (initialize, shutdown, exit), and
//! Neovim, when installed, is run headless on a `.bib` and reads its diagnostics. In CI
//! (`BIBKIT_REQUIRE_EDITORS=1`) Neovim must be there.
#![cfg(feature = "lsp")]

#[path = "common/lsp_client.rs"]
mod lsp_client;

use std::path::{Path, PathBuf};

use lsp_client::{Client, uri};
use serde_json::{Value, json};

/// The code blocks of the README's editor section, with their language.
fn snippets() -> Vec<(String, String)> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("## In the editor")
        .expect("the README has the editor section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let mut out = Vec::new();
    let mut rest = section;
    while let Some(i) = rest.find("```") {
        let after = &rest[i + 3..];
        let nl = after.find('\n').unwrap();
        let lang = after[..nl].trim().to_string();
        let body_end = after[nl..].find("```").unwrap() + nl;
        out.push((lang, after[nl + 1..body_end].to_string()));
        rest = &after[body_end + 3..];
    }
    out
}

/// The strings of a list written as `{ 'a', 'b' }` or `("a" "b")`.
fn quoted(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = list.chars();
    while let Some(c) = chars.next() {
        if c == '"' || c == '\'' {
            out.push(chars.by_ref().take_while(|&d| d != c).collect());
        }
    }
    out
}

/// The command line each snippet starts the server with.
fn command_lines() -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for (lang, body) in snippets() {
        let argv: Vec<String> = match lang.as_str() {
            "json" => {
                let v: Value = serde_json::from_str(&body).unwrap();
                let mut argv = vec![v["glspc.server.command"].as_str().unwrap().to_string()];
                argv.extend(
                    v["glspc.server.commandArguments"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|a| a.as_str().unwrap().to_string()),
                );
                argv
            }
            "lua" => {
                let at = body.find("cmd = {").expect("the Neovim setup has a cmd");
                quoted(&body[at + 6..at + body[at..].find('}').unwrap()])
            }
            "toml" => {
                let v: toml::Value = toml::from_str(&body).unwrap();
                let ls = &v["language-server"]["bibkit"];
                let mut argv = vec![ls["command"].as_str().unwrap().to_string()];
                argv.extend(
                    ls["args"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|a| a.as_str().unwrap().to_string()),
                );
                argv
            }
            "elisp" => {
                let at = body.rfind(". (").expect("eglot's entry has a command list");
                quoted(&body[at + 2..at + body[at..].find(')').unwrap()])
            }
            other => panic!("an editor snippet in {other}, which this test does not read"),
        };
        out.push((lang, argv));
    }
    out
}

#[test]
fn every_setup_in_the_readme_starts_the_server() {
    let lines = command_lines();
    let langs: Vec<&str> = lines.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        langs,
        ["json", "lua", "toml", "elisp"],
        "VS Code, Neovim, Helix, Emacs"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("refs.bib"), "@misc{a, title = {T}}\n").unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    for (lang, argv) in lines {
        assert_eq!(
            argv[0], "bibkit",
            "{lang}: the server is started as `bibkit …`"
        );
        let args: Vec<&str> = argv[1..].iter().map(String::as_str).collect();
        let mut c = Client::start_command(env!("CARGO_BIN_EXE_bibkit").as_ref(), &args, &root);
        let init = c.request(
            "initialize",
            json!({"processId": null, "rootUri": uri(&root), "capabilities": {}}),
        );
        assert_eq!(
            init["result"]["serverInfo"]["name"], "bibkit",
            "{lang}: {init}"
        );
        c.notify("initialized", json!({}));
        let down = c.request("shutdown", Value::Null);
        assert!(down.get("error").is_none(), "{lang}: {down}");
        c.notify("exit", Value::Null);
        assert!(
            c.child.wait().unwrap().success(),
            "{lang}: exit after shutdown"
        );
    }
}

fn find_nvim() -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join("nvim"))
        .find(|p| p.is_file())
}

/// Debian's Neovim is 0.7, before `vim.lsp.config`: the headless session starts the same
/// command line with `vim.lsp.start_client`.
#[test]
fn neovim_reads_the_diagnostics_of_a_bib() {
    let Some(nvim) = find_nvim() else {
        assert!(
            std::env::var_os("BIBKIT_REQUIRE_EDITORS").is_none(),
            "BIBKIT_REQUIRE_EDITORS is set but nvim is not on PATH"
        );
        eprintln!("SKIPPED: nvim is not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::write(
        root.join("refs.bib"),
        "@article{knuth84,\n  author = {Knuth, Donald E.},\n  title = {Literate Programming},\n  journal = {The Computer Journal},\n  year = {1984},\n  pages = {97-111},\n}\n",
    )
    .unwrap();
    let out = root.join("diagnostics.txt");
    let script = root.join("session.lua");
    std::fs::write(
        &script,
        r#"
local root = os.getenv("PROJECT")
vim.cmd("edit " .. root .. "/refs.bib")
local id = vim.lsp.start_client({ name = "bibkit", cmd = { os.getenv("BIBKIT_BIN"), "lsp" }, root_dir = root })
vim.lsp.buf_attach_client(0, id)
local ok = vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 50)
local f = io.open(os.getenv("OUT"), "w")
for _, d in ipairs(vim.diagnostic.get(0)) do
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or ""
  f:write(string.format("%d:%d %s %s\n", d.lnum + 1, d.col + 1, code, d.message))
end
f:close()
vim.lsp.stop_client(id)
vim.wait(2000, function() return vim.lsp.get_client_by_id(id) == nil end, 50)
if ok then vim.cmd("qall!") else vim.cmd("cquit 1") end
"#,
    )
    .unwrap();
    let status = std::process::Command::new(nvim)
        .args(["--headless", "--clean", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("PROJECT", &root)
        .env("BIBKIT_BIN", env!("CARGO_BIN_EXE_bibkit"))
        .env("OUT", &out)
        .env("XDG_CACHE_HOME", root.join(".cache"))
        .env("XDG_STATE_HOME", root.join(".state"))
        .current_dir(&root)
        .status()
        .unwrap();
    let found = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(
        status.success(),
        "nvim failed: {status:?}; diagnostics: {found}"
    );
    assert!(found.contains("6:11 page-range "), "{found}");
}
