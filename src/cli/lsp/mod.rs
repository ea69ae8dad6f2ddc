//! `bibkit lsp`: the checks, fixes, formatter, citations and renaming over the Language
//! Server Protocol, on standard input and output.
//!
//! The server is synchronous: one thread reads messages (and reports those that are not
//! JSON-RPC instead of ending the session), the main thread handles them in order. Before
//! handling a request it takes every message already waiting, so that a request the client
//! cancelled meanwhile is answered as cancelled, and edits typed in a burst are checked
//! once. A panic in a handler is caught, answered as an internal error and logged through
//! `window/logMessage`; the server goes on.

mod features;
mod text;
mod workspace;

use std::collections::{HashSet, VecDeque};
use std::io::{BufRead, Read, Write};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{self as lsp, Url};
use serde_json::Value;

use text::{Columns, Lines};
use workspace::{Open, Workspace};

/// The largest message read (a whole 5 MB bibliography sent in `didOpen` is far below).
const MAX_MESSAGE: usize = 256 << 20;

/// What the reader thread passes on.
enum Incoming {
    Message(Message),
    /// A message that could not be read as JSON-RPC: why.
    Malformed(String),
}

/// Runs the server on standard input and output until `exit`.
pub(crate) fn run() -> ExitCode {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || read_messages(std::io::stdin().lock(), &tx));
    let mut server = Server::new(rx);
    server.serve()
}

/// Reads framed messages from `input` until it ends (or a frame is broken beyond
/// recovery).
fn read_messages(mut input: impl BufRead, tx: &mpsc::Sender<Incoming>) {
    loop {
        let mut length: Option<usize> = None;
        let mut line = String::new();
        loop {
            line.clear();
            match (&mut input).take(8192).read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let l = line.trim_end_matches(['\r', '\n']);
            if l.is_empty() {
                if length.is_some() {
                    break;
                }
                continue;
            }
            if let Some((name, value)) = l.split_once(':') {
                if name.trim().eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().ok();
                }
            }
        }
        let n = length.unwrap_or(0);
        if n > MAX_MESSAGE {
            let _ = tx.send(Incoming::Malformed(format!(
                "a message of {n} bytes, more than the {MAX_MESSAGE} read; the session ends"
            )));
            return;
        }
        let mut body = vec![0; n];
        if input.read_exact(&mut body).is_err() {
            return;
        }
        let incoming = match serde_json::from_slice::<Message>(&body) {
            Ok(m) => Incoming::Message(m),
            Err(e) => Incoming::Malformed(e.to_string()),
        };
        let exit =
            matches!(&incoming, Incoming::Message(Message::Notification(n)) if n.method == "exit");
        if tx.send(incoming).is_err() || exit {
            return;
        }
    }
}

struct Server {
    rx: mpsc::Receiver<Incoming>,
    queue: VecDeque<Incoming>,
    cancelled: HashSet<RequestId>,
    ws: Workspace,
    cols: Columns,
    initialized: bool,
    shutdown: bool,
    /// Files whose units are to be checked before the next wait.
    dirty: HashSet<PathBuf>,
    /// Every unit is to be checked.
    all_dirty: bool,
    /// Files that have findings published (cleared when they have none).
    published: HashSet<PathBuf>,
    next_id: i32,
    watch: bool,
    /// The client shows Markdown in completion items' documentation, and in hovers.
    markdown_completion: bool,
    markdown_hover: bool,
}

impl Server {
    fn new(rx: mpsc::Receiver<Incoming>) -> Server {
        Server {
            rx,
            queue: VecDeque::new(),
            cancelled: HashSet::new(),
            ws: Workspace::default(),
            cols: Columns::Utf16,
            initialized: false,
            shutdown: false,
            dirty: HashSet::new(),
            all_dirty: false,
            published: HashSet::new(),
            next_id: 0,
            watch: false,
            markdown_completion: false,
            markdown_hover: false,
        }
    }

    fn send(&self, m: Message) {
        let mut out = std::io::stdout().lock();
        let _ = m.write(&mut out);
        let _ = out.flush();
    }

    fn notify(&self, method: &str, params: impl serde::Serialize) {
        // Written straight from the parameters (not through a JSON tree: the findings of
        // a large bibliography are thousands of objects).
        #[derive(serde::Serialize)]
        struct Out<'a, P> {
            jsonrpc: &'static str,
            method: &'a str,
            params: P,
        }
        let Ok(body) = serde_json::to_vec(&Out {
            jsonrpc: "2.0",
            method,
            params,
        }) else {
            return;
        };
        let mut out = std::io::stdout().lock();
        let _ = write!(out, "Content-Length: {}\r\n\r\n", body.len());
        let _ = out.write_all(&body);
        let _ = out.flush();
    }

    fn log(&self, typ: lsp::MessageType, message: String) {
        self.notify(
            lsp::notification::LogMessage::METHOD,
            lsp::LogMessageParams { typ, message },
        );
    }

    fn error(&self, id: RequestId, code: i32, message: String) {
        self.send(Message::Response(Response::new_err(id, code, message)));
    }

    /// Takes every message already waiting, noting cancellations.
    fn drain(&mut self) {
        while let Ok(m) = self.rx.try_recv() {
            self.note(&m);
            self.queue.push_back(m);
        }
    }

    fn note(&mut self, m: &Incoming) {
        if let Incoming::Message(Message::Notification(n)) = m {
            if n.method == lsp::notification::Cancel::METHOD {
                if let Ok(p) = serde_json::from_value::<lsp::CancelParams>(n.params.clone()) {
                    self.cancelled.insert(match p.id {
                        lsp::NumberOrString::Number(i) => RequestId::from(i),
                        lsp::NumberOrString::String(s) => RequestId::from(s),
                    });
                }
            }
        }
    }

    fn serve(&mut self) -> ExitCode {
        loop {
            self.drain();
            let m = match self.queue.pop_front() {
                Some(m) => m,
                None => {
                    // Nothing waiting: check what changed, then wait.
                    self.publish();
                    match self.rx.recv() {
                        Ok(m) => {
                            self.note(&m);
                            m
                        }
                        Err(_) => return ExitCode::from(1),
                    }
                }
            };
            match m {
                Incoming::Malformed(why) => {
                    // JSON-RPC's parse error has no id to answer: the log says it.
                    self.log(
                        lsp::MessageType::ERROR,
                        format!("bibkit: a message that is not JSON-RPC was ignored: {why}"),
                    );
                }
                Incoming::Message(Message::Request(r)) => self.request(r),
                Incoming::Message(Message::Notification(n)) => {
                    if n.method == lsp::notification::Exit::METHOD {
                        return ExitCode::from(if self.shutdown { 0 } else { 1 });
                    }
                    self.notification(n);
                }
                Incoming::Message(Message::Response(_)) => {}
            }
        }
    }

    fn request(&mut self, r: Request) {
        if self.cancelled.remove(&r.id) {
            self.error(
                r.id,
                ErrorCode::RequestCanceled as i32,
                "cancelled".to_string(),
            );
            return;
        }
        if !self.initialized && r.method != lsp::request::Initialize::METHOD {
            self.error(
                r.id,
                ErrorCode::ServerNotInitialized as i32,
                "the server is not initialized".to_string(),
            );
            return;
        }
        if self.shutdown {
            self.error(
                r.id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".to_string(),
            );
            return;
        }
        let id = r.id.clone();
        let method = r.method.clone();
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| self.handle(r)));
        match result {
            Ok(Ok(value)) => self.send(Message::Response(Response::new_ok(id, value))),
            Ok(Err((code, message))) => self.error(id, code, message),
            Err(panic) => {
                let what = panic_text(&*panic);
                self.log(
                    lsp::MessageType::ERROR,
                    format!("bibkit: {method} failed: {what}"),
                );
                self.error(
                    id,
                    ErrorCode::InternalError as i32,
                    format!("{method} failed: {what}"),
                );
            }
        }
    }

    fn handle(&mut self, r: lsp_server::Request) -> Result<Value, (i32, String)> {
        use lsp::request::*;
        fn params<P: serde::de::DeserializeOwned>(
            r: lsp_server::Request,
        ) -> Result<P, (i32, String)> {
            serde_json::from_value(r.params).map_err(|e| {
                (
                    ErrorCode::InvalidParams as i32,
                    format!("invalid params: {e}"),
                )
            })
        }
        fn json(v: impl serde::Serialize) -> Result<Value, (i32, String)> {
            serde_json::to_value(v).map_err(|e| (ErrorCode::InternalError as i32, e.to_string()))
        }
        match r.method.as_str() {
            Initialize::METHOD => {
                let p: lsp::InitializeParams = params(r)?;
                json(self.initialize(p))
            }
            Shutdown::METHOD => {
                self.shutdown = true;
                Ok(Value::Null)
            }
            Completion::METHOD => {
                let p: lsp::CompletionParams = params(r)?;
                json(features::completion(self, &p))
            }
            HoverRequest::METHOD => {
                let p: lsp::HoverParams = params(r)?;
                json(features::hover(self, &p))
            }
            GotoDefinition::METHOD => {
                let p: lsp::GotoDefinitionParams = params(r)?;
                json(features::definition(self, &p))
            }
            References::METHOD => {
                let p: lsp::ReferenceParams = params(r)?;
                json(features::references(self, &p))
            }
            PrepareRenameRequest::METHOD => {
                let p: lsp::TextDocumentPositionParams = params(r)?;
                json(features::prepare_rename(self, &p))
            }
            Rename::METHOD => {
                let p: lsp::RenameParams = params(r)?;
                features::rename(self, &p).and_then(json)
            }
            DocumentSymbolRequest::METHOD => {
                let p: lsp::DocumentSymbolParams = params(r)?;
                json(features::document_symbols(self, &p))
            }
            WorkspaceSymbolRequest::METHOD => {
                let p: lsp::WorkspaceSymbolParams = params(r)?;
                json(features::workspace_symbols(self, &p))
            }
            Formatting::METHOD => {
                let p: lsp::DocumentFormattingParams = params(r)?;
                json(features::formatting(self, &p.text_document.uri, None))
            }
            RangeFormatting::METHOD => {
                let p: lsp::DocumentRangeFormattingParams = params(r)?;
                json(features::formatting(
                    self,
                    &p.text_document.uri,
                    Some(p.range),
                ))
            }
            CodeActionRequest::METHOD => {
                let p: lsp::CodeActionParams = params(r)?;
                json(features::code_actions(self, &p))
            }
            // For the tests of what a panicking handler does: only with this variable.
            "bibkit/panicForTest" if std::env::var_os("BIBKIT_LSP_TEST_PANIC").is_some() => {
                panic!("a panic the test asked for")
            }
            _ => Err((
                ErrorCode::MethodNotFound as i32,
                format!("bibkit does not handle {}", r.method),
            )),
        }
    }

    fn initialize(&mut self, p: lsp::InitializeParams) -> lsp::InitializeResult {
        #[allow(deprecated)]
        let root = p
            .workspace_folders
            .as_ref()
            .and_then(|f| f.first())
            .and_then(|f| f.uri.to_file_path().ok())
            .or_else(|| p.root_uri.as_ref().and_then(|u| u.to_file_path().ok()))
            .or_else(|| p.root_path.as_ref().map(PathBuf::from));
        self.ws = Workspace::new(root);
        let offered = p
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref());
        if offered.is_some_and(|o| o.contains(&lsp::PositionEncodingKind::UTF8)) {
            self.cols = Columns::Utf8;
        }
        self.watch = p
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        let text = p.capabilities.text_document.as_ref();
        let md = |formats: Option<&Vec<lsp::MarkupKind>>| {
            formats.is_some_and(|f| f.contains(&lsp::MarkupKind::Markdown))
        };
        self.markdown_completion = md(text
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref())
            .and_then(|i| i.documentation_format.as_ref()));
        self.markdown_hover = md(text
            .and_then(|t| t.hover.as_ref())
            .and_then(|h| h.content_format.as_ref()));
        self.initialized = true;
        let encoding = match self.cols {
            Columns::Utf8 => lsp::PositionEncodingKind::UTF8,
            Columns::Utf16 => lsp::PositionEncodingKind::UTF16,
        };
        lsp::InitializeResult {
            capabilities: lsp::ServerCapabilities {
                position_encoding: Some(encoding),
                text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
                    lsp::TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
                        save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                        ..Default::default()
                    },
                )),
                completion_provider: Some(lsp::CompletionOptions {
                    trigger_characters: Some(
                        ["{", ",", "@", "<", ":", ";", "&"]
                            .map(String::from)
                            .to_vec(),
                    ),
                    ..Default::default()
                }),
                hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
                definition_provider: Some(lsp::OneOf::Left(true)),
                references_provider: Some(lsp::OneOf::Left(true)),
                rename_provider: Some(lsp::OneOf::Right(lsp::RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: Default::default(),
                })),
                document_symbol_provider: Some(lsp::OneOf::Left(true)),
                workspace_symbol_provider: Some(lsp::OneOf::Left(true)),
                document_formatting_provider: Some(lsp::OneOf::Left(true)),
                document_range_formatting_provider: Some(lsp::OneOf::Left(true)),
                code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
                    lsp::CodeActionOptions {
                        code_action_kinds: Some(vec![
                            lsp::CodeActionKind::QUICKFIX,
                            lsp::CodeActionKind::SOURCE_FIX_ALL,
                            lsp::CodeActionKind::SOURCE_ORGANIZE_IMPORTS,
                            lsp::CodeActionKind::REFACTOR_REWRITE,
                        ]),
                        ..Default::default()
                    },
                )),
                ..Default::default()
            },
            server_info: Some(lsp::ServerInfo {
                name: "bibkit".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
        }
    }

    fn notification(&mut self, n: Notification) {
        use lsp::notification::*;
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| self.notified(&n)));
        if let Err(panic) = result {
            let what = panic_text(&*panic);
            self.log(
                lsp::MessageType::ERROR,
                format!("bibkit: {} failed: {what}", n.method),
            );
        }
        if n.method == Initialized::METHOD {
            self.register_watchers();
        }
    }

    fn notified(&mut self, n: &lsp_server::Notification) {
        use lsp::notification::*;
        fn params<P: serde::de::DeserializeOwned>(n: &lsp_server::Notification) -> Option<P> {
            serde_json::from_value(n.params.clone()).ok()
        }
        match n.method.as_str() {
            Initialized::METHOD => {
                self.ws.rebuild();
                self.all_dirty = true;
                if let Some(e) = self.ws.settings.error.clone() {
                    self.show(lsp::MessageType::ERROR, format!("bibkit: {e}"));
                }
            }
            DidOpenTextDocument::METHOD => {
                let Some(p) = params::<lsp::DidOpenTextDocumentParams>(n) else {
                    return;
                };
                let Some(path) = path_of(&p.text_document.uri) else {
                    return;
                };
                let known = self.ws.bibs.contains_key(&path) || self.ws.docs.contains_key(&path);
                self.ws.open.insert(
                    path.clone(),
                    Open {
                        text: p.text_document.text,
                        version: p.text_document.version,
                    },
                );
                if known {
                    self.ws.changed(&path);
                } else {
                    self.ws.rebuild();
                }
                self.dirty.insert(path);
            }
            DidChangeTextDocument::METHOD => {
                let Some(p) = params::<lsp::DidChangeTextDocumentParams>(n) else {
                    return;
                };
                let Some(path) = path_of(&p.text_document.uri) else {
                    return;
                };
                let cols = self.cols;
                let Some(open) = self.ws.open.get_mut(&path) else {
                    return;
                };
                for c in p.content_changes {
                    text::apply_change(&mut open.text, c.range, &c.text, cols);
                }
                open.version = p.text_document.version;
                self.ws.changed(&path);
                self.dirty.insert(path);
            }
            DidCloseTextDocument::METHOD => {
                let Some(p) = params::<lsp::DidCloseTextDocumentParams>(n) else {
                    return;
                };
                let Some(path) = path_of(&p.text_document.uri) else {
                    return;
                };
                if self.ws.open.remove(&path).is_some() {
                    // The disk's text again.
                    self.ws.changed(&path);
                    self.dirty.insert(path);
                }
            }
            DidSaveTextDocument::METHOD => {}
            DidChangeWatchedFiles::METHOD => {
                let Some(p) = params::<lsp::DidChangeWatchedFilesParams>(n) else {
                    return;
                };
                let mut settings = false;
                for c in &p.changes {
                    let Some(path) = path_of(&c.uri) else {
                        continue;
                    };
                    if path.file_name().is_some_and(|f| f == "bibkit.toml") {
                        settings = true;
                    }
                    if c.typ != lsp::FileChangeType::CHANGED {
                        self.ws.rediscover();
                    }
                }
                if settings {
                    let root = self.ws.root.clone();
                    let open = std::mem::take(&mut self.ws.open);
                    self.ws = Workspace::new(root);
                    self.ws.open = open;
                    if let Some(e) = self.ws.settings.error.clone() {
                        self.show(lsp::MessageType::ERROR, format!("bibkit: {e}"));
                    }
                }
                self.ws.rebuild();
                self.all_dirty = true;
            }
            _ => {}
        }
    }

    fn show(&self, typ: lsp::MessageType, message: String) {
        self.notify(
            lsp::notification::ShowMessage::METHOD,
            lsp::ShowMessageParams { typ, message },
        );
    }

    /// Asks the client to report changes to the project's files on disk.
    fn register_watchers(&mut self) {
        if !self.watch {
            return;
        }
        let watchers = [
            "**/*.bib",
            "**/*.tex",
            "**/*.md",
            "**/*.qmd",
            "**/*.Rmd",
            "**/*.typ",
            "**/*.org",
            "**/_quarto.yml",
            "**/bibkit.toml",
        ]
        .map(|g| lsp::FileSystemWatcher {
            glob_pattern: lsp::GlobPattern::String(g.to_string()),
            kind: None,
        })
        .to_vec();
        let options = lsp::DidChangeWatchedFilesRegistrationOptions { watchers };
        let params = lsp::RegistrationParams {
            registrations: vec![lsp::Registration {
                id: "bibkit-files".to_string(),
                method: lsp::notification::DidChangeWatchedFiles::METHOD.to_string(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        self.next_id += 1;
        self.send(Message::Request(Request::new(
            RequestId::from(format!("bibkit-{}", self.next_id)),
            lsp::request::RegisterCapability::METHOD.to_string(),
            params,
        )));
    }

    /// Checks the units that changed and publishes the findings of their files.
    fn publish(&mut self) {
        if !self.initialized || (!self.all_dirty && self.dirty.is_empty()) {
            return;
        }
        let units: Vec<usize> = if self.all_dirty {
            (0..self.ws.units.len()).collect()
        } else {
            let mut u: Vec<usize> = self
                .dirty
                .iter()
                .flat_map(|p| self.ws.units_of(p))
                .collect();
            u.sort_unstable();
            u.dedup();
            u
        };
        let mut files: Vec<PathBuf> = Vec::new();
        for u in units {
            let result = std::panic::catch_unwind(AssertUnwindSafe(|| self.ws.check(u)));
            match result {
                Ok(f) => files.extend(f),
                Err(_) => self.log(
                    lsp::MessageType::ERROR,
                    "bibkit: checking a part of the project failed".to_string(),
                ),
            }
        }
        // Files no unit reads any more: their findings are cleared.
        files.extend(self.dirty.iter().cloned());
        // (An edited file always gets its findings, none too, so that the editor knows
        // they are those of its version.)
        let edited = std::mem::take(&mut self.dirty);
        self.all_dirty = false;
        files.sort();
        files.dedup();
        for f in files {
            let diagnostics = self.diagnostics_of(&f);
            if diagnostics.is_empty() && !self.published.contains(&f) && !edited.contains(&f) {
                continue;
            }
            if diagnostics.is_empty() {
                self.published.remove(&f);
            } else {
                self.published.insert(f.clone());
            }
            let Ok(uri) = Url::from_file_path(&f) else {
                continue;
            };
            let version = self.ws.open.get(&f).map(|o| o.version);
            self.notify(
                lsp::notification::PublishDiagnostics::METHOD,
                lsp::PublishDiagnosticsParams {
                    uri,
                    diagnostics,
                    version,
                },
            );
        }
    }

    fn diagnostics_of(&self, path: &Path) -> Vec<lsp::Diagnostic> {
        let Some(found) = self.ws.findings.get(path) else {
            return Vec::new();
        };
        let Some(text) = self.ws.text(path) else {
            return Vec::new();
        };
        let lines = Lines::new(&text);
        found
            .iter()
            .map(|d| features::to_lsp(d, &text, &lines, self.cols))
            .collect()
    }
}

/// What a caught panic said.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// The file a `file:` URI names.
pub(crate) fn path_of(uri: &Url) -> Option<PathBuf> {
    let p = uri.to_file_path().ok()?;
    Some(workspace::identity_of(&p))
}
