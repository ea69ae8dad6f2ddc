"""`bibkit lsp` checked by pytest-lsp: a client that validates every message against the
protocol's types, driving the server through an editor session on a small project.

Run from `.ci/run` (in a venv with pytest-lsp), with `BIBKIT_BIN` naming the binary.
"""

import os
import pathlib
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

BIN = os.environ.get("BIBKIT_BIN", "bibkit")

BIB = """@article{knuth84,
  author = {Knuth, Donald E.},
  title = {Literate Programming},
  journal = {The Computer Journal},
  year = {1984},
  pages = {97-111},
}

@book{lamport94,
  author = {Lamport, Leslie},
  title = {LaTeX: A Document Preparation System},
  year = {1994},
}
"""

CHAPTER = "As \\cite{knuth84} and \\citep[p.~3]{lamport94} show.\n"
PAPER = "---\nbibliography: refs.bib\n---\n\nAs @knuth84 says [@lamport94].\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> pathlib.Path:
    root = tmp_path_factory.mktemp("thesis").resolve()
    (root / "chapters").mkdir()
    (root / "refs.bib").write_text(BIB)
    (root / "thesis.tex").write_text(
        "\\documentclass{report}\n\\begin{document}\n\\include{chapters/one}\n"
        "\\bibliography{refs}\n\\end{document}\n"
    )
    (root / "chapters" / "one.tex").write_text(CHAPTER)
    (root / "paper.md").write_text(PAPER)
    return root


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[BIN, "lsp"],
        server_env={**os.environ, "XDG_CACHE_HOME": os.environ.get("TMPDIR", "/tmp")},
    ),
)
async def client(lsp_client: LanguageClient, project: pathlib.Path):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                text_document=types.TextDocumentClientCapabilities(
                    publish_diagnostics=types.PublishDiagnosticsClientCapabilities(),
                    hover=types.HoverClientCapabilities(
                        content_format=[types.MarkupKind.Markdown, types.MarkupKind.PlainText]
                    ),
                    completion=types.CompletionClientCapabilities(
                        completion_item=types.ClientCompletionItemOptions(
                            documentation_format=[types.MarkupKind.Markdown]
                        )
                    ),
                ),
            ),
            root_uri=project.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name="thesis")],
        )
    )
    yield
    await lsp_client.shutdown_session()


def open_file(client: LanguageClient, path: pathlib.Path, language: str) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language, version=1, text=path.read_text()
            )
        )
    )
    return uri


async def diagnostics_of(client: LanguageClient, uri: str):
    while uri not in client.diagnostics:
        await client.wait_for_notification("textDocument/publishDiagnostics")
    return client.diagnostics[uri]


@pytest.mark.asyncio
async def test_session(client: LanguageClient, project: pathlib.Path):
    bib = open_file(client, project / "refs.bib", "bibtex")
    found = await diagnostics_of(client, bib)
    pages = next(d for d in found if d.code == "page-range")
    assert pages.source == "bibkit"
    assert pages.code_description is not None

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=bib),
            range=pages.range,
            context=types.CodeActionContext(diagnostics=[pages]),
        )
    )
    quick = [a for a in actions if isinstance(a, types.CodeAction) and a.kind == "quickfix"]
    assert quick and quick[0].is_preferred
    edits = quick[0].edit.changes[bib]
    assert any("97--111" in e.new_text for e in edits)

    formatting = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=bib),
            options=types.FormattingOptions(tab_size=2, insert_spaces=True),
        )
    )
    assert formatting, "the fixture is not in fmt's style"

    chapter = open_file(client, project / "chapters" / "one.tex", "latex")
    col = CHAPTER.index("knuth84")
    completion = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=chapter),
            position=types.Position(line=0, character=col + 2),
        )
    )
    labels = [i.label for i in completion.items]
    assert "knuth84" in labels and "lamport94" in labels

    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=chapter),
            position=types.Position(line=0, character=col + 1),
        )
    )
    assert "Literate Programming" in hover.contents.value

    definition = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=chapter),
            position=types.Position(line=0, character=col + 1),
        )
    )
    assert definition[0].uri == bib and definition[0].range.start.line == 0

    references = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=types.TextDocumentIdentifier(uri=bib),
            position=types.Position(line=0, character=10),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert sorted({r.uri for r in references}) == sorted(
        {bib, chapter, (project / "paper.md").as_uri()}
    )

    rename = await client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=chapter),
            position=types.Position(line=0, character=col + 1),
            new_name="knuth1984literate",
        )
    )
    assert set(rename.changes) >= {bib, chapter}

    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=bib))
    )
    assert [s.name for s in symbols] == ["knuth84", "lamport94"]

    # The entry removed: its citation in the chapter becomes undefined.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=bib, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=BIB.split("@book")[0])],
        )
    )
    while not any(d.code == "undefined-citation" for d in client.diagnostics.get(chapter, [])):
        await client.wait_for_notification("textDocument/publishDiagnostics")


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
