//! Go's `unicode` predicates and simple (one rune to one rune) case mappings, which differ
//! from Rust's full mappings: Go's `ToUpper('ß')` is `ß`, not `SS`.

/// `unicode.IsUpper` (Lu).
pub fn is_upper(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_uppercase();
    }
    c.is_uppercase() && !is_title(c) && c.to_lowercase().next() != Some(c)
}

/// `unicode.IsLower` (Ll).
pub fn is_lower(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_lowercase();
    }
    c.is_lowercase() && c.is_alphabetic() && !('\u{02B0}'..='\u{02FF}').contains(&c)
}

/// `unicode.IsTitle` (Lt).
pub fn is_title(c: char) -> bool {
    matches!(c as u32,
        0x01C5 | 0x01C8 | 0x01CB | 0x01F2 | 0x1F88..=0x1F8F | 0x1F98..=0x1F9F | 0x1FA8..=0x1FAF
        | 0x1FBC | 0x1FCC | 0x1FFC)
}

/// `unicode.IsLetter` (L*), approximated by Rust's Alphabetic less letter numbers.
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    c.is_alphabetic() && !c.is_numeric()
}

/// `unicode.IsNumber` (N*).
pub fn is_number(c: char) -> bool {
    c.is_numeric()
}

/// `unicode.IsSpace`.
pub fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// `unicode.IsPunct` (P*): exact for ASCII and Latin-1, common blocks beyond.
pub fn is_punct(c: char) -> bool {
    if c.is_ascii() {
        return matches!(c, '!'..='#' | '%'..='*' | ','..='/' | ':' | ';' | '?' | '@' | '['..=']' | '_' | '{' | '}');
    }
    matches!(c as u32,
        0xA1 | 0xA7 | 0xAB | 0xB6 | 0xB7 | 0xBB | 0xBF | 0x37E | 0x387 | 0x55A..=0x55F | 0x589 | 0x58A
        | 0x5BE | 0x5C0 | 0x5C3 | 0x5C6 | 0x5F3 | 0x5F4 | 0x60C | 0x60D | 0x61B | 0x61F | 0x66A..=0x66D
        | 0x6D4 | 0x964 | 0x965 | 0x970 | 0x2010..=0x2027 | 0x2030..=0x2043 | 0x2045..=0x2051
        | 0x2053..=0x205E | 0x207D | 0x207E | 0x208D | 0x208E | 0x2308..=0x230B | 0x2329 | 0x232A
        | 0x2768..=0x2775 | 0x27C5 | 0x27C6 | 0x27E6..=0x27EF | 0x2983..=0x2998 | 0x29D8..=0x29DB
        | 0x29FC | 0x29FD | 0x2E00..=0x2E2E | 0x2E30..=0x2E4F | 0x3001..=0x3003 | 0x3008..=0x3011
        | 0x3014..=0x301F | 0x3030 | 0x303D | 0x30A0 | 0x30FB | 0xFE10..=0xFE19 | 0xFE30..=0xFE52
        | 0xFE54..=0xFE61 | 0xFE63 | 0xFE68 | 0xFE6A | 0xFE6B | 0xFF01..=0xFF03 | 0xFF05..=0xFF0A
        | 0xFF0C..=0xFF0F | 0xFF1A | 0xFF1B | 0xFF1F | 0xFF20 | 0xFF3B..=0xFF3D | 0xFF3F | 0xFF5B
        | 0xFF5D | 0xFF5F..=0xFF65)
}

/// `unicode.ToUpper`: the simple mapping; characters whose uppercase is several characters
/// keep themselves, except Greek letters with ypogegrammeni, which map to their titlecase form.
pub fn to_upper(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) => u,
        _ => greek_iota_title(c).unwrap_or(c),
    }
}

/// `unicode.ToLower`: the simple mapping.
pub fn to_lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if c == '\u{130}' {
        return 'i';
    }
    let mut low = c.to_lowercase();
    match (low.next(), low.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// `unicode.ToTitle`: uppercase, except the Latin digraphs that have a titlecase form.
pub fn to_title(c: char) -> char {
    match c as u32 {
        0x01C4..=0x01C6 => '\u{01C5}',
        0x01C7..=0x01C9 => '\u{01C8}',
        0x01CA..=0x01CC => '\u{01CB}',
        0x01F1..=0x01F3 => '\u{01F2}',
        _ if is_title(c) => c,
        _ => to_upper(c),
    }
}

fn greek_iota_title(c: char) -> Option<char> {
    let u = c as u32;
    let t = match u {
        0x1F80..=0x1FAF if u & 8 == 0 => u + 8,
        0x1FB3 | 0x1FC3 | 0x1FF3 => u + 9,
        _ => return None,
    };
    char::from_u32(t)
}

/// Go's `strings.ToUpper`.
pub fn str_to_upper(s: &str) -> String {
    s.chars().map(to_upper).collect()
}

/// Go's `strings.ToLower`.
pub fn str_to_lower(s: &str) -> String {
    s.chars().map(to_lower).collect()
}
