//! Cutting a JSON stream into values without parsing them: the members of the top-level
//! object and each element of its `features` array come out as their own bytes, so memory
//! holds one feature at a time however large the file, and each feature is then parsed from a
//! slice (serde_json's fast path). Nesting is counted, not recursed into, so no input can
//! exhaust the stack here.

use std::io::Read;

/// A place in the stream and what is wrong there.
#[derive(Debug)]
pub struct SplitError {
    /// Byte offset from the start of the stream.
    pub at: u64,
    pub reason: String,
}

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at byte {}: {}", self.at, self.reason)
    }
}

/// The byte stream, read a block at a time.
pub struct Splitter<R> {
    r: R,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    /// Bytes of the stream before `buf[0]`.
    base: u64,
    eof: bool,
    /// Whether record separators (RFC 8142) count as white space.
    records: bool,
}

const BLOCK: usize = 1 << 18;

/// Deepest nesting accepted. GeoJSON needs six levels for a multipolygon in a feature in a
/// collection; a file nested far deeper is damaged or hostile.
const MAX_DEPTH: usize = 64;

impl<R: Read> Splitter<R> {
    pub fn new(r: R, records: bool) -> Self {
        Splitter { r, buf: vec![0; BLOCK], pos: 0, len: 0, base: 0, eof: false, records }
    }

    fn err<T>(&self, reason: impl Into<String>) -> Result<T, SplitError> {
        Err(SplitError { at: self.base + self.pos as u64, reason: reason.into() })
    }

    /// Reads the next block after what was consumed; false at the end of the stream.
    fn refill(&mut self) -> Result<bool, SplitError> {
        if self.eof {
            return Ok(false);
        }
        self.base += self.pos as u64;
        self.buf.copy_within(self.pos..self.len, 0);
        self.len -= self.pos;
        self.pos = 0;
        loop {
            match self.r.read(&mut self.buf[self.len..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.len += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return self.err(format!("the file cannot be read: {e}")),
            }
        }
    }

    /// The next byte that is not white space, not consumed; `None` at the end.
    pub fn peek(&mut self) -> Result<Option<u8>, SplitError> {
        loop {
            while self.pos < self.len {
                match self.buf[self.pos] {
                    b' ' | b'\n' | b'\r' | b'\t' => self.pos += 1,
                    0x1e if self.records => self.pos += 1,
                    b => return Ok(Some(b)),
                }
            }
            if !self.refill()? {
                return Ok(None);
            }
        }
    }

    /// Consumes `want` (after white space).
    pub fn expect(&mut self, want: u8) -> Result<(), SplitError> {
        match self.peek()? {
            Some(b) if b == want => {
                self.pos += 1;
                Ok(())
            }
            Some(b) => self.err(format!("expected '{}' but found '{}'", want as char, b.escape_ascii())),
            None => self.err(format!("the file ends where '{}' was expected", want as char)),
        }
    }

    /// Consumes `,` and returns true, or consumes `close` and returns false.
    pub fn next_or(&mut self, close: u8) -> Result<bool, SplitError> {
        match self.peek()? {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b) if b == close => {
                self.pos += 1;
                Ok(false)
            }
            Some(b) => self.err(format!("expected ',' or '{}' but found '{}'", close as char, b.escape_ascii())),
            None => self.err(format!("the file ends where ',' or '{}' was expected", close as char)),
        }
    }

    /// The text of a member name.
    pub fn key(&mut self) -> Result<String, SplitError> {
        if self.peek()? != Some(b'"') {
            return self.err("expected a member name in double quotes");
        }
        let raw = self.value()?;
        serde_json::from_slice(&raw).or_else(|e| self.err(format!("a member name is not valid text: {e}")))
    }

    /// The bytes of the next whole value (object, array, string or literal), consumed.
    pub fn value(&mut self) -> Result<Vec<u8>, SplitError> {
        if self.peek()?.is_none() {
            return self.err("the file ends where a value was expected");
        }
        let mut out = Vec::new();
        let mut depth = 0usize;
        let (mut in_string, mut escaped) = (false, false);
        let scalar = !matches!(self.buf[self.pos], b'{' | b'[' | b'"');
        let mut start = self.pos;
        loop {
            while self.pos < self.len {
                let b = self.buf[self.pos];
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                        if depth == 0 {
                            self.pos += 1;
                            out.extend_from_slice(&self.buf[start..self.pos]);
                            return Ok(out);
                        }
                    }
                } else if scalar {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t' | 0x1e) {
                        out.extend_from_slice(&self.buf[start..self.pos]);
                        if out.is_empty() {
                            return self.err(format!("expected a value but found '{}'", b.escape_ascii()));
                        }
                        return Ok(out);
                    }
                } else {
                    match b {
                        b'"' => in_string = true,
                        b'{' | b'[' => {
                            depth += 1;
                            if depth > MAX_DEPTH {
                                return self.err(format!("values are nested more than {MAX_DEPTH} levels deep"));
                            }
                        }
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += 1;
                                out.extend_from_slice(&self.buf[start..self.pos]);
                                return Ok(out);
                            }
                        }
                        _ => {}
                    }
                }
                self.pos += 1;
            }
            out.extend_from_slice(&self.buf[start..self.pos]);
            if !self.refill()? {
                return if scalar && !out.is_empty() { Ok(out) } else { self.err("the file ends inside a value") };
            }
            start = self.pos;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out a few bytes at a time, to cross block edges everywhere.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(self.0.len()).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn values(text: &str, step: usize) -> Vec<String> {
        let mut s = Splitter::new(Trickle(text.as_bytes(), step), true);
        let mut out = Vec::new();
        while s.peek().unwrap().is_some() {
            out.push(String::from_utf8(s.value().unwrap()).unwrap());
        }
        out
    }

    #[test]
    fn values_come_out_whole_across_block_edges() {
        let text = "{\"a\":\"x}\\\"]\",\"b\":[1,{\"c\":[]}]}\n\u{1e}[1, 2] \"s\\\\\" -1.5e3 true null {}";
        for step in [1, 2, 3, 7, 1 << 20] {
            assert_eq!(
                values(text, step),
                ["{\"a\":\"x}\\\"]\",\"b\":[1,{\"c\":[]}]}", "[1, 2]", "\"s\\\\\"", "-1.5e3", "true", "null", "{}"],
                "{step}"
            );
        }
    }

    #[test]
    fn members_and_separators_are_read_with_their_place() {
        let mut s = Splitter::new(Trickle(br#" {"na\u006de": 1, "x" ]"#, 2), false);
        s.expect(b'{').unwrap();
        assert_eq!(s.key().unwrap(), "name");
        s.expect(b':').unwrap();
        assert_eq!(s.value().unwrap(), b"1");
        assert!(s.next_or(b'}').unwrap());
        assert_eq!(s.key().unwrap(), "x");
        let err = s.expect(b':').unwrap_err();
        assert_eq!(err.to_string(), "at byte 22: expected ':' but found ']'");
        let mut s = Splitter::new(Trickle(b"{\"a\":[1,", 3), false);
        assert_eq!(s.value().unwrap_err().to_string(), "at byte 8: the file ends inside a value");
        let deep = "[".repeat(100_000);
        let mut s = Splitter::new(Trickle(deep.as_bytes(), 1000), false);
        assert_eq!(s.value().unwrap_err().to_string(), "at byte 64: values are nested more than 64 levels deep");
    }
}
