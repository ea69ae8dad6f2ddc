//! Sets one field of one entry and prints the file: the field gets the value (added, in the
//! entry's style, when the entry has none), and every other byte is as it was.
//!
//! `cargo run --example edit -- FILE KEY FIELD VALUE` (the value is Unicode text)
use bibkit::edit::{Document, Value};

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, key, field, value] = args.as_slice() else {
        eprintln!("usage: edit FILE KEY FIELD VALUE");
        return std::process::ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{file}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let mut doc = Document::parse(text);
    let Some(&entry) = doc.find(key).first() else {
        eprintln!("{file}: no entry `{key}`");
        return std::process::ExitCode::from(1);
    };
    let mut batch = doc.batch();
    if let Err(e) = batch
        .set_field(entry, field, Value::text(value.as_str()))
        .and_then(|()| batch.apply().map(|_| ()))
    {
        eprintln!("{file}: {e}");
        return std::process::ExitCode::from(1);
    }
    print!("{doc}");
    std::process::ExitCode::SUCCESS
}
