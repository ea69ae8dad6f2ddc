//! Properties of LaTeX ⇄ Unicode: writing text as LaTeX (UTF-8 or `--ascii`) and reading it
//! back gives the same text, and reading is stable.

use bibkit::latex::{DecodeOptions, EncodeOptions, decode, encode, escape_str};
use bibkit::model::{Chunk, Text};
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

/// Characters a bibliography's text holds: ASCII (with every LaTeX special), accented
/// letters of many languages, special letters, dashes, quotes and other symbols.
fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::char::range(' ', '~'),
        3 => prop::sample::select(vec![
            'é', 'è', 'ê', 'ë', 'á', 'à', 'â', 'ä', 'ã', 'å', 'ç', 'ñ', 'ó', 'ò', 'ô', 'ö', 'õ',
            'ő', 'ú', 'ù', 'û', 'ü', 'ű', 'í', 'ì', 'î', 'ï', 'ý', 'ÿ', 'č', 'š', 'ž', 'ř', 'ě',
            'ň', 'ď', 'ť', 'ą', 'ę', 'ł', 'ń', 'ś', 'ź', 'ż', 'ß', 'ø', 'æ', 'œ', 'þ', 'ð', 'ı',
            'Ł', 'Ø', 'Æ', 'Œ', 'Å', 'É', 'Ö', 'Ü', 'Č', 'Ş', 'ğ', 'ă', 'ţ', 'ș', 'ā', 'ē', 'ī',
            'ō', 'ū', '–', '—', '“', '”', '‘', '’', '«', '»', '§', '¶', '©', '€', '£', '°',
            '…', '\u{a0}',
        ]),
        1 => prop::sample::select(vec!['α', 'β', 'Ж', 'я', '中', '文', 'ع', '😀']),
    ]
}

fn text_string() -> impl Strategy<Value = String> {
    prop::collection::vec(text_char(), 0..40).prop_map(|v| v.into_iter().collect::<String>())
}

/// What decoding does to white space: runs collapse to one space, ends are trimmed.
fn collapsed(s: &str) -> String {
    let mut out = String::new();
    let mut space = true;
    for c in s.chars() {
        if c == ' ' {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out.trim_end_matches(' ').nfc().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// UTF-8 output: escaping what must be escaped and decoding gives the text back.
    #[test]
    fn utf8_escape_then_decode_is_identity(s in text_string()) {
        let latex = escape_str(&s, &EncodeOptions::default());
        let back = decode(&latex, &DecodeOptions::default()).to_plain_string();
        prop_assert_eq!(back, collapsed(&s), "LaTeX was {:?}", latex);
    }

    /// `--ascii` output is ASCII wherever LaTeX has a spelling, and decodes to the same text.
    #[test]
    fn ascii_escape_then_decode_is_identity(s in text_string()) {
        let latex = escape_str(&s, &EncodeOptions { ascii: true });
        let back = decode(&latex, &DecodeOptions::default()).to_plain_string();
        prop_assert_eq!(back, collapsed(&s), "LaTeX was {:?}", latex);
        let non_ascii_in: usize = s.chars().filter(|c| !c.is_ascii()).count();
        let non_ascii_out: usize = latex.chars().filter(|c| !c.is_ascii()).count();
        prop_assert!(non_ascii_out <= non_ascii_in);
    }

    /// Rich text (plain and case-protected runs, math) survives encode → decode.
    #[test]
    fn rich_text_round_trips(parts in prop::collection::vec((0u8..3, "[A-Za-z0-9 ,.:+=()]{1,12}"), 1..6), ascii in any::<bool>()) {
        let t: Text = parts
            .iter()
            .map(|(k, s)| match k {
                0 => Chunk::Plain(s.clone()),
                1 => Chunk::Protected(s.trim().to_string()),
                _ => Chunk::Math(s.clone()),
            })
            .collect();
        let latex = encode(&t, &EncodeOptions { ascii });
        let back = decode(&latex, &DecodeOptions { collapse_whitespace: false, ..DecodeOptions::default() });
        prop_assert_eq!(back.to_plain_string(), t.to_plain_string(), "LaTeX was {:?}", latex);
    }

    /// Decoding never panics, and decoded text is NFC.
    #[test]
    fn decoding_any_input_is_safe_and_nfc(s in "(\\PC|[\\\\{}$~%&#_^'`-]){0,80}") {
        let t = decode(&s, &DecodeOptions::default()).to_plain_string();
        prop_assert!(unicode_normalization::is_nfc(&t));
    }
}
