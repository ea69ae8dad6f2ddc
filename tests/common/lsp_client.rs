//! A language-server client for tests and benches: starts `bibkit lsp` (the binary given)
//! and speaks JSON-RPC over its stdin and stdout, as an editor does.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

pub struct Client {
    pub child: Child,
    stdin: ChildStdin,
    rx: mpsc::Receiver<Value>,
    next: i64,
    /// Notifications seen while waiting for responses.
    pub seen: Vec<Value>,
}

impl Client {
    pub fn start(bin: &Path, dir: &Path) -> Client {
        Client::start_command(bin, &["lsp"], dir)
    }

    /// Starts `bin` with `args` (an editor's command line) in `dir`.
    pub fn start_command(bin: &Path, args: &[&str], dir: &Path) -> Client {
        Client::start_with_env(bin, args, dir, &[])
    }

    /// [`Client::start_command`] with more environment variables.
    pub fn start_with_env(bin: &Path, args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Client {
        let mut child = Command::new(bin)
            .args(args)
            .envs(env.iter().copied())
            .current_dir(dir)
            .env("XDG_CACHE_HOME", dir.join(".cache"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("bibkit lsp starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let l = line.trim_end();
                    if l.is_empty() {
                        break;
                    }
                    if let Some(v) = l.strip_prefix("Content-Length: ") {
                        len = v.parse().unwrap();
                    }
                }
                let mut body = vec![0; len];
                r.read_exact(&mut body).unwrap();
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            rx,
            next: 0,
            seen: Vec::new(),
        }
    }

    pub fn write(&mut self, v: &Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    pub fn raw(&mut self, body: &str) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.write(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    pub fn recv(&mut self) -> Value {
        match self.rx.recv_timeout(Duration::from_secs(30)) {
            Ok(v) => v,
            Err(_) => panic!("no answer within 30 s; seen: {:#?}", self.seen),
        }
    }

    /// Sends a request and waits for its response (keeping notifications seen meanwhile,
    /// answering the server's own requests).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        self.write(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.recv();
            if m.get("id") == Some(&json!(id)) && m.get("method").is_none() {
                return m;
            }
            self.other(m);
        }
    }

    pub fn other(&mut self, m: Value) {
        if m.get("method").is_some() && m.get("id").is_some() {
            // client/registerCapability and the like.
            let id = m["id"].clone();
            self.write(&json!({"jsonrpc": "2.0", "id": id, "result": null}));
        } else {
            self.seen.push(m);
        }
    }

    /// Waits for the diagnostics of `uri` that `pred` accepts.
    pub fn diagnostics(&mut self, uri: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let find = |seen: &mut Vec<Value>| {
            let i = seen.iter().rposition(|m| {
                m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
            })?;
            let d = seen[i]["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            pred(&d).then(|| {
                seen.drain(..=i);
                d
            })
        };
        loop {
            if let Some(d) = find(&mut self.seen) {
                return d;
            }
            let m = self.recv();
            self.other(m);
        }
    }

    /// Waits for a `publishDiagnostics` notification that `pred` accepts, and gives it.
    pub fn diagnostics_where(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        let ok = |m: &Value| m["method"] == "textDocument/publishDiagnostics" && pred(m);
        if let Some(i) = self.seen.iter().position(ok) {
            return {
                let m = self.seen[i].clone();
                self.seen.drain(..=i);
                m
            };
        }
        loop {
            let m = self.recv();
            if ok(&m) {
                return m;
            }
            self.other(m);
        }
    }
}

/// The `file:` URI of an absolute path.
pub fn uri(p: &Path) -> String {
    format!("file://{}", p.display())
}
