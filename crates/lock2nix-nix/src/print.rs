//! The printer.
//!
//! The layout mirrors the rules of `alejandra` 3.1 for input without comments or blank lines, so that the output
//! is a fixed point of alejandra: alejandra decides most layouts itself ("vertical" when a node cannot be written
//! on one line) and keeps the rest as found in its input (a list or set written over several lines stays so). For
//! the latter the printer chooses:
//!
//! * lists and attribute sets with more than one element, or whose single element does not fit on one line, are
//!   written one element per line; `[x]` and `{a = 1;}` stay on one line (alejandra's compact style);
//! * `let … in` is always vertical;
//! * everything else is as compact as alejandra allows.
//!
//! A node "fits" when it can be written without a line break, exactly as alejandra computes it.

use crate::ast::{AttrName, Binding, BindingKind, Expr, File, Param, StrPart};
use crate::escape::{self, is_identifier};
use crate::PrintError;

/// Print an expression (no trailing newline). Equal trees print to equal text.
pub fn print_expr(e: &Expr) -> Result<String, PrintError> {
    let mut p = Printer::new(false);
    p.fmt_wider(e, 0).map_err(Stop::into_error)?;
    Ok(p.out)
}

/// One binding exactly as it is printed inside a vertical attribute set (or `let`) whose bindings
/// sit at indentation `level` (two spaces each): its comment lines and the binding, each line
/// introduced by a newline. Printing the bindings of a large set one by one (e.g. in parallel) and
/// concatenating them gives the same text as printing the set.
pub fn print_vertical_binding(b: &Binding, level: usize) -> Result<String, PrintError> {
    let mut out = String::new();
    print_vertical_binding_into(&mut out, b, level)?;
    Ok(out)
}

/// [`print_vertical_binding`], appending to `out` (unchanged on error).
pub fn print_vertical_binding_into(
    out: &mut String,
    b: &Binding,
    level: usize,
) -> Result<(), PrintError> {
    let start = out.len();
    let mut p = Printer::new(false);
    p.out = std::mem::take(out);
    p.indent = level;
    let res = p.binding_vertical(b).map_err(Stop::into_error);
    *out = p.out;
    if res.is_err() {
        out.truncate(start);
    }
    res
}

/// Bindings printed by this printer for a vertical attribute set or `let` whose bindings sit at
/// indentation `level`, to be placed in a tree with [`Binding::printed`]. Only the printer makes
/// the text, so splicing it in cannot inject anything; printing it at another indentation is a
/// [`PrintError::PrintedLevel`], never misformatted output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printed {
    text: String,
    level: usize,
}

impl Printed {
    /// No bindings yet, for a set at indentation `level`.
    pub fn new(level: usize) -> Self {
        Self::with_capacity(level, 0)
    }

    /// [`Printed::new`] with room for `bytes` of text: bindings of a known typical size are
    /// printed without growing (and copying) the text along the way.
    pub fn with_capacity(level: usize, bytes: usize) -> Self {
        Printed {
            text: String::with_capacity(bytes),
            level,
        }
    }

    /// Print `b` after the bindings already here (unchanged on error).
    pub fn push(&mut self, b: &Binding) -> Result<(), PrintError> {
        if matches!(b.kind, BindingKind::Printed(_)) {
            return Err(PrintError::PrintedLevel {
                expected: self.level,
                found: self.level,
                reason: "printed bindings cannot be nested",
            });
        }
        print_vertical_binding_into(&mut self.text, b, self.level)
    }

    /// Move `other`'s bindings after these (both must be for the same indentation).
    pub fn append(&mut self, other: Printed) -> Result<(), PrintError> {
        if other.level != self.level {
            return Err(PrintError::PrintedLevel {
                expected: self.level,
                found: other.level,
                reason: "printed bindings of two indentations",
            });
        }
        self.text.push_str(&other.text);
        Ok(())
    }

    /// Whether no binding was printed.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The indentation the bindings were printed for.
    pub fn level(&self) -> usize {
        self.level
    }

    /// Length of the printed text in bytes.
    pub fn len(&self) -> usize {
        self.text.len()
    }
}

/// Print a file: the header comment lines, then the expression, then a final newline.
pub fn print_file(f: &File) -> Result<String, PrintError> {
    print_file_sized(f, 0)
}

/// [`print_file`] into a buffer of `capacity` bytes to begin with: a file with large
/// [`Printed`] parts grows its text once instead of doubling (and copying) it along the way.
pub fn print_file_sized(f: &File, capacity: usize) -> Result<String, PrintError> {
    Ok(print_file_into(Printer::new(false), f, capacity)?.out)
}

fn print_file_into(mut p: Printer, f: &File, capacity: usize) -> Result<Printer, PrintError> {
    p.out.reserve(capacity);
    for line in &f.header {
        for l in comment_lines(line)? {
            push_comment_line(&mut p.out, &l);
            p.out.push('\n');
        }
    }
    p.fmt_wider(&f.body, 0).map_err(Stop::into_error)?;
    p.out.push('\n');
    Ok(p)
}

/// [`print_file`] without copying the file's [`Printed`] parts into its text: the text around
/// them, and where each goes. The same bytes as [`print_file`] in the same order (where the
/// layout would look into a part's text, e.g. to decide whether an application stays on its
/// line, the file is printed as [`print_file_sized`] does, into one text of `capacity`).
pub fn print_file_spliced(f: &File, capacity: usize) -> Result<PrintedFile, PrintError> {
    let mut p = Printer::new(false);
    p.splices = Some(Vec::new());
    // an error may come from a layout decided without a part's text: the file printed whole
    // says which
    if let Ok(p) = print_file_into(p, f, 64 << 10) {
        if !p.spliced_blind {
            return Ok(PrintedFile {
                splices: p.splices.unwrap_or_default(),
                head: p.out,
            });
        }
    }
    Ok(PrintedFile {
        head: print_file_sized(f, capacity)?,
        splices: Vec::new(),
    })
}

/// A printed file in pieces ([`print_file_spliced`]): the text around the pre-printed parts,
/// and each part with the position in that text where it goes. Written out piece by piece, a
/// large file is never copied into one buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedFile {
    head: String,
    /// Positions in `head` (in order) and the part written there.
    splices: Vec<(usize, std::sync::Arc<Printed>)>,
}

impl PrintedFile {
    /// The text's pieces in order (none empty): concatenated, the file.
    pub fn pieces(&self) -> Vec<&str> {
        let mut pieces = Vec::with_capacity(2 * self.splices.len() + 1);
        let mut from = 0;
        for (at, part) in &self.splices {
            pieces.push(&self.head[from..*at]);
            pieces.push(part.text.as_str());
            from = *at;
        }
        pieces.push(&self.head[from..]);
        pieces.retain(|p| !p.is_empty());
        pieces
    }

    /// Length of the whole text in bytes.
    pub fn len(&self) -> usize {
        self.head.len()
            + self
                .splices
                .iter()
                .map(|(_, p)| p.text.len())
                .sum::<usize>()
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Write the text to `w`, piece by piece.
    pub fn write_to(&self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        self.pieces()
            .into_iter()
            .try_for_each(|p| w.write_all(p.as_bytes()))
    }

    /// The whole text in one string.
    pub fn into_string(self) -> String {
        if self.splices.is_empty() {
            return self.head;
        }
        let mut text = String::with_capacity(self.len());
        self.pieces().into_iter().for_each(|p| text.push_str(p));
        text
    }
}

impl std::fmt::Display for PrintedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.pieces().into_iter().try_for_each(|p| f.write_str(p))
    }
}

/// Whether a character of comment text is written as `\u{…}`: control characters (ESC, BEL, …:
/// a terminal showing the file would act on them), the Unicode bidirectional controls (U+061C,
/// U+200E/F, U+202A–U+202E, U+2066–U+2069, which reorder what a reviewer sees: "Trojan Source"),
/// and the line and paragraph separators U+2028/U+2029 (editors break lines there; Nix does not).
fn escaped_in_comments(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Comment text with [`escaped_in_comments`] characters written as `\u{…}`.
fn escape_comment(line: &str) -> std::borrow::Cow<'_, str> {
    // printable ASCII, the common case, has none of them
    if line.bytes().all(|b| matches!(b, b' '..=b'~')) || !line.chars().any(escaped_in_comments) {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 16);
    for c in line.chars() {
        if escaped_in_comments(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Split a comment into the text of its lines, each written with [`push_comment_line`]
/// (alejandra trims trailing whitespace; so do we). Any `\r` or `\n` starts a new comment line,
/// so comment text can never escape into code; other control characters and the bidirectional
/// controls are escaped ([`escape_comment`]), so text from a lock cannot act on a terminal or
/// reorder what a reviewer reads.
fn comment_lines(
    text: &str,
) -> Result<impl Iterator<Item = std::borrow::Cow<'_, str>>, PrintError> {
    if let Some(offset) = text.find('\0') {
        return Err(PrintError::Nul {
            context: "comment",
            offset,
        });
    }
    Ok(text
        .split(['\r', '\n'])
        .map(|l| escape_comment(l.trim_end())))
}

/// Write one line of [`comment_lines`] as `# …` (a bare `#` when it is empty).
fn push_comment_line(out: &mut String, line: &str) {
    if line.is_empty() {
        out.push('#');
    } else {
        out.push_str("# ");
        out.push_str(line);
    }
}

enum Stop {
    /// A line break was written while probing whether a node fits on one line.
    Newline,
    Error(PrintError),
}

impl Stop {
    fn into_error(self) -> PrintError {
        match self {
            Stop::Error(e) => e,
            // Only probes stop on a newline, and probes catch it.
            Stop::Newline => PrintError::InvalidTrusted {
                text: String::new(),
                reason: "internal printer error",
            },
        }
    }
}

impl From<PrintError> for Stop {
    fn from(e: PrintError) -> Self {
        Stop::Error(e)
    }
}

type R<T = ()> = Result<T, Stop>;

/// Precedence levels (higher binds tighter).
const P_TOP: u8 = 0;
const P_NOT: u8 = 8;
const P_NEG: u8 = 12;
const P_APPLY: u8 = 13;
const P_SELECT: u8 = 14;
const P_ATOM: u8 = 15;

/// The syntax kinds alejandra's rules look at (rnix 0.10 node kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ident,
    Literal,
    Str,
    Select,
    OrDefault,
    Apply,
    List,
    AttrSet,
    Let,
    Lambda,
    With,
    Assert,
    IfElse,
    BinOp,
    UnaryOp,
    Paren,
    Other,
}

#[inline]
fn prec(e: &Expr) -> u8 {
    match e {
        Expr::Null
        | Expr::Bool(_)
        | Expr::Var(_)
        | Expr::Str(_)
        | Expr::IndentedStr(_)
        | Expr::Interpolated(_)
        | Expr::List(_)
        | Expr::AttrSet { .. } => P_ATOM,
        Expr::Int(i) if *i == i64::MIN => crate::BinOp::Sub.precedence(),
        Expr::Int(i) if *i < 0 => P_NEG,
        Expr::Int(_) => P_ATOM,
        Expr::Path(p) if path_is_literal(p) => P_ATOM,
        Expr::Path(_) => crate::BinOp::Add.precedence(),
        Expr::Select { default: None, .. } => P_SELECT,
        Expr::Select {
            default: Some(_), ..
        } => P_NEG,
        Expr::HasAttr { .. } => P_NEG,
        Expr::Apply { .. } => P_APPLY,
        Expr::Not(_) => P_NOT,
        Expr::BinOp { op, .. } => op.precedence(),
        Expr::Let { .. }
        | Expr::Lambda { .. }
        | Expr::With { .. }
        | Expr::If { .. }
        | Expr::Assert { .. }
        | Expr::Trusted(_) => P_TOP,
    }
}

#[inline]
fn needs_parens(e: &Expr, req: u8) -> bool {
    prec(e) < req
}

/// The kind alejandra sees for `e` printed where precedence `req` is required.
fn kind(e: &Expr, req: u8) -> Kind {
    if needs_parens(e, req) {
        return Kind::Paren;
    }
    match e {
        Expr::Null | Expr::Bool(_) | Expr::Var(_) => Kind::Ident,
        Expr::Int(i) if *i == i64::MIN => Kind::BinOp,
        Expr::Int(i) if *i < 0 => Kind::UnaryOp,
        Expr::Int(_) => Kind::Literal,
        Expr::Str(_) | Expr::IndentedStr(_) | Expr::Interpolated(_) => Kind::Str,
        Expr::Path(p) if path_is_literal(p) => Kind::Literal,
        Expr::Path(_) => Kind::BinOp,
        Expr::Select { default: None, .. } => Kind::Select,
        Expr::Select {
            default: Some(_), ..
        } => Kind::OrDefault,
        Expr::HasAttr { .. } => Kind::BinOp,
        Expr::Apply { .. } => Kind::Apply,
        Expr::List(_) => Kind::List,
        Expr::AttrSet { .. } => Kind::AttrSet,
        Expr::Let { .. } => Kind::Let,
        Expr::Lambda { .. } => Kind::Lambda,
        Expr::With { .. } => Kind::With,
        Expr::Assert { .. } => Kind::Assert,
        Expr::If { .. } => Kind::IfElse,
        Expr::BinOp { .. } => Kind::BinOp,
        Expr::Not(_) => Kind::UnaryOp,
        Expr::Trusted(_) => Kind::Other,
    }
}

/// A line break and the indentation of up to 32 levels.
const NL_SPACES: &str = concat!(
    "\n",
    "                                                                ",
    "                                                                ",
);

/// The printer state. `fmt` is alejandra's `Format` step, `fmt_wider` its `FormatWider`.
struct Printer {
    out: String,
    /// alejandra's indentation level (two spaces each).
    indent: usize,
    /// Probing whether something fits on one line: stop at the first line break.
    probe: bool,
    /// Where [`Printed`] parts go instead of being copied into `out` (outside probes), when
    /// printing a [`PrintedFile`].
    splices: Option<Vec<(usize, std::sync::Arc<Printed>)>>,
    /// The layout looked at text that includes a part that was not copied (`stpi`), or took
    /// back text after it: the file must be printed again with its parts copied.
    spliced_blind: bool,
}

impl Printer {
    fn new(probe: bool) -> Self {
        Printer {
            out: String::new(),
            indent: 0,
            probe,
            splices: None,
            spliced_blind: false,
        }
    }

    /// Run `f` as a probe at the current position: whether it finishes without a line break. Its
    /// text is taken back and the state restored (in place: no printer or buffer is made for it).
    fn probe(&mut self, f: impl FnOnce(&mut Self) -> R) -> R<bool> {
        let (len, indent, probe) = (self.out.len(), self.indent, self.probe);
        let spliced = self.spliced();
        self.probe = true;
        let res = f(self);
        if self.spliced() != spliced {
            self.spliced_blind = true;
        }
        self.out.truncate(len);
        self.indent = indent;
        self.probe = probe;
        match res {
            Ok(()) => Ok(true),
            Err(Stop::Newline) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// How many parts were left out of `out` so far.
    fn spliced(&self) -> usize {
        self.splices.as_ref().map_or(0, Vec::len)
    }

    fn newline(&mut self) -> R {
        if self.probe {
            return Err(Stop::Newline);
        }
        self.out.push('\n');
        Ok(())
    }

    fn pad(&mut self) {
        let width = self.indent * 2;
        match NL_SPACES.get(1..=width) {
            Some(spaces) => self.out.push_str(spaces),
            None => {
                for _ in 0..self.indent {
                    self.out.push_str("  ");
                }
            }
        }
    }

    fn nl_pad(&mut self) -> R {
        if self.probe {
            return Err(Stop::Newline);
        }
        // the line break and the indentation in one copy
        match NL_SPACES.get(..=self.indent * 2) {
            Some(text) => self.out.push_str(text),
            None => {
                self.out.push('\n');
                self.pad();
            }
        }
        Ok(())
    }

    /// alejandra's `fits_in_single_line`: whether `e` is written without a line break where
    /// precedence `req` is required. Decided from the tree's shape ([`one_line`]) rather than by
    /// writing `e` out; debug builds check the answer against a probe, which writes it.
    fn fits(&mut self, e: &Expr, req: u8) -> R<bool> {
        let fits = one_line(e);
        if cfg!(debug_assertions) {
            if let Ok(probed) = self.probe(|p| p.fmt(e, req, false)) {
                assert_eq!(fits, probed, "one_line disagrees with the printer on {e:?}");
            }
        }
        Ok(fits)
    }

    fn binding_fits(&mut self, b: &Binding) -> R<bool> {
        if !b.comments.is_empty() {
            return Ok(false);
        }
        match &b.kind {
            BindingKind::Assign { value, .. } => self.fits(value, P_TOP),
            BindingKind::Inherit(_) => Ok(true),
            BindingKind::InheritFrom { from, .. } => self.fits(from, P_TOP),
            BindingKind::Printed(p) => Ok(p.is_empty()),
        }
    }

    /// alejandra's `second_through_penultimate_line_are_indented` of `e` formatted with `req` and
    /// `vertical` at the current indentation. The text it looked at is left at the end of the
    /// output: it is what `fmt` writes there, so a caller that goes on to do exactly that keeps it
    /// ([`Printer::kept`]), and any other truncates it.
    fn stpi(&mut self, e: &Expr, req: u8, vertical: bool, if_leq_two: bool) -> R<bool> {
        let (start, indent, probe) = (self.out.len(), self.indent, self.probe);
        let spliced = self.spliced();
        self.probe = false;
        let res = self.fmt(e, req, vertical);
        self.indent = indent;
        self.probe = probe;
        if self.spliced() != spliced {
            // the text looked at below lacks a part
            self.spliced_blind = true;
        }
        res?;
        let text = &self.out.as_bytes()[start..];
        // the lines after the first one's line break and before the last one's
        let Some(last) = memchr::memrchr(b'\n', text) else {
            return Ok(if_leq_two);
        };
        let mut inner_lines = memchr::memchr_iter(b'\n', &text[..last]).peekable();
        if inner_lines.peek().is_none() {
            return Ok(if_leq_two);
        }
        let inner = self.indent * 2;
        Ok(inner_lines.all(|newline| {
            // the text from the line's start: the patterns looked for hold no line break, so
            // they match in the line exactly when they match here
            let line = &text[newline + 1..];
            // the line is empty, or starts with the indentation and then two more spaces, `}:`
            // or `in`
            line.first() == Some(&b'\n')
                || (line.len() >= inner
                    && line[..inner].iter().all(|&b| b == b' ')
                    && (line[inner..].starts_with(b"  ")
                        || line[inner..].starts_with(b"}:")
                        || line[inner..].starts_with(b"in")))
        }))
    }

    /// Keep the text [`Printer::stpi`] wrote from `start` as `fmt` would have written it: in a
    /// probe, `fmt` stops at its first line break.
    fn kept(&self, start: usize) -> R {
        if self.probe && self.out[start..].contains('\n') {
            return Err(Stop::Newline);
        }
        Ok(())
    }

    /// Write `text`, formatted earlier at the current indentation, as `fmt` would: in a probe, up
    /// to its first line break.
    fn put(&mut self, text: &str) -> R {
        if self.probe {
            if let Some(i) = text.find('\n') {
                self.push(&text[..i]);
                return Err(Stop::Newline);
            }
        }
        self.push(text);
        Ok(())
    }

    fn attr_name(&mut self, n: &AttrName, vertical: bool) -> R {
        match n {
            AttrName::Static(s) if n.is_bare() => self.push(s),
            AttrName::Static(s) => {
                escape::quote_string_into(&mut self.out, s, "attribute name")?;
            }
            AttrName::Dynamic(e) => {
                // alejandra's NODE_DYNAMIC rule.
                self.push("${");
                if vertical {
                    self.indent += 1;
                    self.nl_pad()?;
                    self.fmt_wider(e, P_TOP)?;
                    self.indent -= 1;
                    self.nl_pad()?;
                } else {
                    self.fmt(e, P_TOP, false)?;
                }
                self.push("}");
            }
        }
        Ok(())
    }

    fn attr_path(&mut self, path: &[AttrName], vertical: bool) -> R {
        for (i, n) in path.iter().enumerate() {
            if i > 0 {
                self.push(".");
            }
            self.attr_name(n, vertical)?;
        }
        Ok(())
    }

    fn fmt_wider(&mut self, e: &Expr, req: u8) -> R {
        let vertical = !self.fits(e, req)?;
        self.fmt(e, req, vertical)
    }

    /// alejandra's `Format` of `e` (parenthesised if `req` demands) with the inherited `vertical` flag.
    fn fmt(&mut self, e: &Expr, req: u8, vertical: bool) -> R {
        if needs_parens(e, req) {
            return self.paren_like("(", e, ")", vertical);
        }
        match e {
            Expr::Null => self.push("null"),
            Expr::Bool(b) => self.push(if *b { "true" } else { "false" }),
            Expr::Int(i) if *i == i64::MIN => {
                // `9223372036854775808` does not lex as an integer.
                self.bin_op(
                    crate::BinOp::Sub,
                    &Expr::Int(-i64::MAX),
                    &Expr::Int(1),
                    vertical,
                )?;
            }
            Expr::Int(i) => self.push(&i.to_string()),
            Expr::Var(name) => self.var(name)?,
            Expr::Str(s) => {
                escape::quote_string_into(&mut self.out, s, "string literal")?;
            }
            Expr::IndentedStr(s) => self.indented_string(s)?,
            Expr::Interpolated(parts) => self.interpolated(parts, vertical)?,
            Expr::Path(p) => match escape::path_form(p)? {
                escape::PathForm::Literal(text) => self.push(&text),
                escape::PathForm::Concat { base, rest } => {
                    let base = Expr::Path(base.into());
                    let rest = Expr::Str(rest.into());
                    self.bin_op(crate::BinOp::Add, &base, &rest, vertical)?;
                }
            },
            Expr::Select {
                expr,
                path,
                default,
            } => self.select(expr, path, default.as_deref(), vertical)?,
            Expr::HasAttr { expr, path } => {
                if path.is_empty() {
                    return Err(PrintError::EmptyAttrPath {
                        context: "has-attr (?)",
                    }
                    .into());
                }
                let first_vertical = if vertical {
                    !self.fits(expr, P_APPLY)?
                } else {
                    false
                };
                self.fmt(expr, P_APPLY, first_vertical)?;
                if vertical {
                    self.nl_pad()?;
                } else {
                    self.push(" ");
                }
                self.push("? ");
                self.attr_path(path, vertical)?;
            }
            Expr::Apply { func, arg } => self.apply(func, arg, vertical)?,
            Expr::List(items) => self.list(items, vertical)?,
            Expr::AttrSet { rec, bindings } => self.attrset(*rec, bindings, vertical)?,
            Expr::Let { bindings, body } => self.let_in(bindings, body)?,
            Expr::Lambda { param, body } => self.lambda(param, body, vertical)?,
            Expr::With { scope, body } => self.scoped("with", scope, body, vertical)?,
            Expr::Assert { cond, body } => self.scoped("assert", cond, body, vertical)?,
            Expr::If { cond, then, else_ } => self.if_else(cond, then, else_)?,
            Expr::BinOp { op, lhs, rhs } => self.bin_op(*op, lhs, rhs, vertical)?,
            Expr::Not(inner) => {
                self.push("!");
                self.fmt(inner, P_NEG, vertical)?;
            }
            Expr::Trusted(text) => self.trusted(text)?,
        }
        Ok(())
    }

    fn var(&mut self, name: &str) -> R {
        if !is_identifier(name) {
            return Err(PrintError::InvalidIdentifier {
                name: name.to_owned(),
            }
            .into());
        }
        self.push(name);
        Ok(())
    }

    fn trusted(&mut self, text: &str) -> R {
        let t = text.trim();
        let bad = |reason| {
            Stop::Error(PrintError::InvalidTrusted {
                text: text.to_owned(),
                reason,
            })
        };
        if t.is_empty() {
            return Err(bad("it is empty"));
        }
        if t.contains('\0') {
            return Err(bad("it contains NUL"));
        }
        if t.lines().last().is_some_and(|l| l.contains('#')) {
            return Err(bad(
                "its last line contains '#' (a comment would swallow what follows)",
            ));
        }
        let mut lines = t.split('\n');
        if let Some(first) = lines.next() {
            self.push(first);
        }
        for l in lines {
            self.newline()?;
            self.push(l.trim_end());
        }
        Ok(())
    }

    /// The paren rule, also used for `${…}` interpolations.
    fn paren_like(&mut self, open: &str, e: &Expr, close: &str, vertical: bool) -> R {
        self.push(open);
        let k = kind(e, P_TOP);
        if matches!(e, Expr::If { .. }) {
            self.indent += 1;
            self.nl_pad()?;
            self.fmt_wider(e, P_TOP)?;
            self.indent -= 1;
            self.nl_pad()?;
        } else if matches!(
            k,
            Kind::Apply
                | Kind::Assert
                | Kind::BinOp
                | Kind::OrDefault
                | Kind::Lambda
                | Kind::Select
                | Kind::With
        ) {
            // `e` stays at this indentation when stpi holds, and is indented otherwise
            let start = self.out.len();
            if self.stpi(e, P_TOP, vertical, k == Kind::Lambda)? {
                self.kept(start)?;
            } else {
                self.out.truncate(start);
                self.indent += 1;
                self.fmt(e, P_TOP, vertical)?;
                self.indent -= 1;
            }
        } else {
            self.fmt(e, P_TOP, vertical)?;
        }
        self.push(close);
        Ok(())
    }

    fn indented_string(&mut self, s: &str) -> R {
        match escape::indented_string_lines(s)? {
            None => {
                escape::quote_string_into(&mut self.out, s, "string literal")?;
            }
            Some((lines, trailing_newline)) => {
                self.push("''");
                let n = lines.len();
                for (i, line) in lines.iter().enumerate() {
                    self.newline()?;
                    if !line.is_empty() {
                        self.pad();
                        self.push("  ");
                        self.push(line);
                    }
                    if i + 1 == n && !trailing_newline {
                        self.push("''");
                    }
                }
                if trailing_newline {
                    self.nl_pad()?;
                    self.push("''");
                }
            }
        }
        Ok(())
    }

    fn interpolated(&mut self, parts: &[StrPart], vertical: bool) -> R {
        self.push("\"");
        let mut pending = String::new();
        for part in parts {
            match part {
                StrPart::Lit(s) => pending.push_str(s),
                StrPart::Interp(e) => {
                    // Escape the accumulated literal text; a `$` right before `${` must be escaped too, which
                    // `escape_string` cannot see, so check the boundary.
                    escape::escape_string_into(&mut self.out, &pending, "string literal")?;
                    if pending.ends_with('$') {
                        // the escaped text ends with that `$` as is
                        self.out.pop();
                        self.push("\\$");
                    }
                    pending.clear();
                    let v = if vertical {
                        !self.fits(e, P_TOP)?
                    } else {
                        false
                    };
                    self.paren_like("${", e, "}", v)?;
                }
            }
        }
        escape::escape_string_into(&mut self.out, &pending, "string literal")?;
        self.push("\"");
        Ok(())
    }

    fn select(
        &mut self,
        base: &Expr,
        path: &[AttrName],
        default: Option<&Expr>,
        vertical: bool,
    ) -> R {
        if path.is_empty() {
            return Err(PrintError::EmptyAttrPath { context: "select" }.into());
        }
        if let Some(d) = default {
            // OR_DEFAULT: (select) `or` default, with the bin_op rule.
            let first_vertical = if vertical {
                !self.select_fits(base, path)?
            } else {
                false
            };
            self.select(base, path, None, first_vertical)?;
            if vertical {
                self.nl_pad()?;
            } else {
                self.push(" ");
            }
            self.push("or ");
            if vertical {
                self.fmt_wider(d, P_SELECT)?;
            } else {
                self.fmt(d, P_SELECT, false)?;
            }
            return Ok(());
        }
        // A chain of NODE_SELECTs: ((base.a).b).c; the innermost base is FormatWider'd when vertical.
        // An integer or path literal directly before `.` would lex as a float or as part of the path.
        let base_req = match base {
            // the most frequent base, `python-final`: no parentheses, one line
            Expr::Var(name) => {
                self.var(name)?;
                return self.select_path(path, vertical);
            }
            Expr::Select { default: None, .. } => P_SELECT,
            Expr::Int(_) | Expr::Path(_) => P_ATOM + 1,
            _ => P_ATOM,
        };
        let base_vertical = if vertical {
            !self.fits(base, base_req)?
        } else {
            false
        };
        self.fmt(base, base_req, base_vertical)?;
        self.select_path(path, vertical)
    }

    /// The `.a.b` of a select, after its base.
    fn select_path(&mut self, path: &[AttrName], vertical: bool) -> R {
        for name in path {
            if vertical {
                self.nl_pad()?;
            }
            self.push(".");
            self.attr_name(name, vertical)?;
        }
        Ok(())
    }

    fn select_fits(&mut self, base: &Expr, path: &[AttrName]) -> R<bool> {
        self.probe(|p| p.select(base, path, None, false))
    }

    fn apply(&mut self, func: &Expr, arg: &Expr, vertical: bool) -> R {
        if vertical {
            self.fmt_wider(func, P_APPLY)?;
            if matches!(
                kind(arg, P_SELECT),
                Kind::AttrSet | Kind::List | Kind::Paren | Kind::Str
            ) {
                self.push(" ");
            } else {
                self.nl_pad()?;
            }
            self.fmt_wider(arg, P_SELECT)
        } else {
            self.fmt(func, P_APPLY, false)?;
            self.push(" ");
            self.fmt(arg, P_SELECT, false)
        }
    }

    fn list(&mut self, items: &[Expr], vertical: bool) -> R {
        let vertical = vertical
            || items.len() > 1
            || match items.first() {
                Some(only) => !self.fits(only, P_SELECT)?,
                None => false,
            };
        self.push("[");
        if vertical {
            self.indent += 1;
            for item in items {
                self.nl_pad()?;
                match item {
                    // `python-final.name`, the most frequent item: it fits on its line and
                    // needs no parentheses, so it is written as `fmt_wider` would
                    Expr::Select {
                        expr,
                        path,
                        default: None,
                    } if matches!(**expr, Expr::Var(_))
                        && path.iter().all(|n| matches!(n, AttrName::Static(_))) =>
                    {
                        self.select(expr, path, None, false)?;
                    }
                    _ => self.fmt_wider(item, P_SELECT)?,
                }
            }
            self.indent -= 1;
            self.nl_pad()?;
        } else {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    self.push(" ");
                }
                self.fmt(item, P_SELECT, false)?;
            }
        }
        self.push("]");
        Ok(())
    }

    fn attrset(&mut self, rec: bool, bindings: &[Binding], vertical: bool) -> R {
        let vertical = vertical
            || bindings.len() > 1
            || match bindings.first() {
                Some(only) => !self.binding_fits(only)?,
                None => false,
            };
        if rec {
            self.push("rec ");
        }
        self.push("{");
        if vertical {
            self.indent += 1;
            for b in bindings {
                self.binding_vertical(b)?;
            }
            self.indent -= 1;
            self.nl_pad()?;
        } else {
            for (i, b) in bindings.iter().enumerate() {
                if i > 0 {
                    self.push(" ");
                }
                self.binding(b, false)?;
            }
        }
        self.push("}");
        Ok(())
    }

    /// A binding in a vertical set or let: comment lines, then the binding FormatWider'd.
    fn binding_vertical(&mut self, b: &Binding) -> R {
        if let BindingKind::Printed(p) = &b.kind {
            if p.level != self.indent {
                return Err(PrintError::PrintedLevel {
                    expected: p.level,
                    found: self.indent,
                    reason: "the bindings were printed for another indentation",
                }
                .into());
            }
            if let (Some(splices), false) = (&mut self.splices, self.probe) {
                if !p.text.is_empty() {
                    splices.push((self.out.len(), std::sync::Arc::clone(p)));
                }
                return Ok(());
            }
            return self.put(&p.text);
        }
        for c in &b.comments {
            // printable ASCII, nearly every comment: one line, nothing to escape (what
            // comment_lines gives for it)
            if c.bytes().all(|b| matches!(b, b' '..=b'~')) {
                self.nl_pad()?;
                push_comment_line(&mut self.out, c.trim_end_matches(' '));
                continue;
            }
            for line in comment_lines(c)? {
                self.nl_pad()?;
                push_comment_line(&mut self.out, &line);
            }
        }
        self.nl_pad()?;
        // Comments are not part of the key_value node: its own vertical flag depends on the value
        // only (a binding whose value fits is written on one line, with or without comments).
        let v = match &b.kind {
            BindingKind::Assign { value, .. } => !self.fits(value, P_TOP)?,
            BindingKind::Inherit(_) | BindingKind::Printed(_) => false,
            BindingKind::InheritFrom { from, .. } => !self.fits(from, P_TOP)?,
        };
        self.binding(b, v)
    }

    fn binding(&mut self, b: &Binding, vertical: bool) -> R {
        match &b.kind {
            BindingKind::Assign { path, value } => {
                if path.is_empty() {
                    return Err(PrintError::EmptyAttrPath { context: "binding" }.into());
                }
                self.attr_path(path, false)?;
                self.push(" =");
                let mut dedent = false;
                if vertical {
                    let k = kind(value, P_TOP);
                    self.push(" ");
                    let at = self.out.len();
                    // an application stays on the line when stpi holds; stpi formatted it
                    // vertically at this indentation, which is what FormatWider writes here when
                    // the value does not fit on one line
                    let formatted = k == Kind::Apply && self.stpi(value, P_TOP, vertical, false)?;
                    let same_line = formatted
                        || matches!(
                            k,
                            Kind::Assert
                                | Kind::AttrSet
                                | Kind::Paren
                                | Kind::Lambda
                                | Kind::Let
                                | Kind::List
                                | Kind::Str
                                | Kind::With
                        );
                    // binding_vertical made this binding vertical because its value does not fit
                    debug_assert!(!one_line(value));
                    if formatted {
                        self.kept(at)?;
                    } else {
                        // the value goes after the space, or on a line of its own
                        self.out.truncate(if same_line { at } else { at - 1 });
                        if !same_line {
                            dedent = true;
                            self.indent += 1;
                            self.nl_pad()?;
                        }
                        self.fmt_wider(value, P_TOP)?;
                    }
                } else {
                    self.push(" ");
                    self.fmt(value, P_TOP, false)?;
                }
                self.push(";");
                if dedent {
                    self.indent -= 1;
                }
                Ok(())
            }
            BindingKind::Inherit(names) => self.inherit(None, names, vertical),
            BindingKind::InheritFrom { from, names } => self.inherit(Some(from), names, vertical),
            // only in vertical sets, where binding_vertical writes it
            BindingKind::Printed(p) => Err(PrintError::PrintedLevel {
                expected: p.level,
                found: self.indent,
                reason: "printed bindings can only go into a vertical set",
            }
            .into()),
        }
    }

    fn inherit(&mut self, from: Option<&Expr>, names: &[AttrName], vertical: bool) -> R {
        let mut bare = Vec::with_capacity(names.len());
        for n in names {
            match n {
                AttrName::Static(s) if n.is_bare() => bare.push(s.as_ref()),
                AttrName::Static(s) => {
                    return Err(PrintError::InheritNonIdentifier {
                        name: s.to_string(),
                    }
                    .into())
                }
                AttrName::Dynamic(_) => {
                    return Err(PrintError::InheritNonIdentifier {
                        name: "${…}".to_owned(),
                    }
                    .into())
                }
            }
        }
        let names = bare;
        self.push("inherit");
        if vertical {
            self.indent += 1;
            self.nl_pad()?;
            if let Some(f) = from {
                let v = !self.fits(f, P_TOP)?;
                self.paren_like("(", f, ")", v)?;
                self.nl_pad()?;
            }
            for n in &names {
                self.push(n);
                self.nl_pad()?;
            }
            self.push(";");
            self.indent -= 1;
        } else {
            if let Some(f) = from {
                self.push(" ");
                self.paren_like("(", f, ")", false)?;
            }
            for n in &names {
                self.push(" ");
                self.push(n);
            }
            self.push(";");
        }
        Ok(())
    }

    fn let_in(&mut self, bindings: &[Binding], body: &Expr) -> R {
        self.push("let");
        self.indent += 1;
        for b in bindings {
            self.binding_vertical(b)?;
        }
        self.indent -= 1;
        self.nl_pad()?;
        self.push("in");
        if matches!(
            kind(body, P_TOP),
            Kind::AttrSet | Kind::Let | Kind::List | Kind::Paren | Kind::Str
        ) {
            self.push(" ");
            self.fmt_wider(body, P_TOP)
        } else {
            self.indent += 1;
            self.nl_pad()?;
            self.fmt_wider(body, P_TOP)?;
            self.indent -= 1;
            Ok(())
        }
    }

    fn lambda(&mut self, param: &Param, body: &Expr, vertical: bool) -> R {
        match param {
            Param::Ident(name) => {
                if !is_identifier(name) {
                    return Err(PrintError::InvalidIdentifier { name: name.clone() }.into());
                }
                self.push(name);
            }
            Param::Pattern {
                entries,
                ellipsis,
                bind,
            } => {
                let pv = if vertical {
                    !self.pattern_fits(entries, *ellipsis, bind.as_deref())?
                } else {
                    false
                };
                self.pattern(entries, *ellipsis, bind.as_deref(), pv)?;
            }
        }
        self.push(":");
        if vertical {
            let k = kind(body, P_TOP);
            let allow = |k: Kind| {
                matches!(
                    k,
                    Kind::AttrSet | Kind::Paren | Kind::Lambda | Kind::Let | Kind::List | Kind::Str
                )
            };
            if !(allow(k) || k == Kind::Literal) {
                let should_indent = !allow(k) && self.indent > 0;
                if should_indent {
                    self.indent += 1;
                }
                self.nl_pad()?;
                self.fmt_wider(body, P_TOP)?;
                if should_indent {
                    self.indent -= 1;
                }
            } else {
                self.push(" ");
                self.fmt_wider(body, P_TOP)?;
            }
        } else {
            self.push(" ");
            self.fmt(body, P_TOP, false)?;
        }
        Ok(())
    }

    fn pattern_fits(
        &mut self,
        entries: &[crate::ast::PatEntry],
        ellipsis: bool,
        bind: Option<&str>,
    ) -> R<bool> {
        self.probe(|p| p.pattern(entries, ellipsis, bind, false))
    }

    fn pattern(
        &mut self,
        entries: &[crate::ast::PatEntry],
        ellipsis: bool,
        bind: Option<&str>,
        vertical: bool,
    ) -> R {
        let count = entries.len() + usize::from(ellipsis);
        let tall = if ellipsis { 2 } else { 1 };
        let vertical = vertical || count > tall;
        self.push("{");
        if vertical {
            self.indent += 1;
        }
        for (i, entry) in entries.iter().enumerate() {
            if vertical {
                self.nl_pad()?;
            } else if i > 0 {
                self.push(" ");
            }
            if !is_identifier(&entry.name) {
                return Err(PrintError::InvalidIdentifier {
                    name: entry.name.clone(),
                }
                .into());
            }
            self.push(&entry.name);
            if let Some(d) = &entry.default {
                let ev = if vertical {
                    !self.fits(d, P_TOP)?
                } else {
                    false
                };
                self.push(" ?");
                if matches!(
                    kind(d, P_TOP),
                    Kind::AttrSet
                        | Kind::Ident
                        | Kind::Paren
                        | Kind::Lambda
                        | Kind::Let
                        | Kind::List
                        | Kind::Literal
                        | Kind::Str
                ) || self.fits(d, P_TOP)?
                {
                    self.push(" ");
                    if ev {
                        self.fmt_wider(d, P_TOP)?;
                    } else {
                        self.fmt(d, P_TOP, false)?;
                    }
                } else {
                    self.indent += 1;
                    self.nl_pad()?;
                    if ev {
                        self.fmt_wider(d, P_TOP)?;
                    } else {
                        self.fmt(d, P_TOP, false)?;
                    }
                    self.indent -= 1;
                }
            }
            if vertical || i + 1 < count {
                self.push(",");
            }
        }
        if ellipsis {
            if vertical {
                self.nl_pad()?;
            } else if !entries.is_empty() {
                self.push(" ");
            }
            self.push("...");
        }
        if vertical {
            self.indent -= 1;
            if count > 0 {
                self.nl_pad()?;
            }
        }
        self.push("}");
        if let Some(b) = bind {
            if !is_identifier(b) {
                return Err(PrintError::InvalidIdentifier { name: b.to_owned() }.into());
            }
            self.push(" @ ");
            self.push(b);
        }
        Ok(())
    }

    fn scoped(&mut self, keyword: &str, first: &Expr, body: &Expr, vertical: bool) -> R {
        self.push(keyword);
        self.push(" ");
        if vertical {
            self.fmt_wider(first, P_TOP)?;
        } else {
            self.fmt(first, P_TOP, false)?;
        }
        self.push(";");
        if vertical {
            let k = kind(body, P_TOP);
            if matches!(k, Kind::Assert | Kind::With) {
                self.nl_pad()?;
                self.fmt_wider(body, P_TOP)
            } else if !matches!(
                k,
                Kind::AttrSet
                    | Kind::Ident
                    | Kind::Paren
                    | Kind::Let
                    | Kind::List
                    | Kind::Literal
                    | Kind::Str
            ) {
                self.indent += 1;
                self.nl_pad()?;
                self.fmt_wider(body, P_TOP)?;
                self.indent -= 1;
                Ok(())
            } else {
                self.push(" ");
                self.fmt_wider(body, P_TOP)
            }
        } else {
            self.push(" ");
            self.fmt(body, P_TOP, false)
        }
    }

    fn if_else(&mut self, cond: &Expr, then: &Expr, else_: &Expr) -> R {
        self.push("if");
        if self.fits(cond, P_TOP)? {
            self.push(" ");
            self.fmt_wider(cond, P_TOP)?;
        } else {
            self.indent += 1;
            self.nl_pad()?;
            self.fmt_wider(cond, P_TOP)?;
            self.indent -= 1;
        }
        self.nl_pad()?;
        self.push("then");
        self.branch(then, &[Kind::AttrSet, Kind::Let, Kind::List, Kind::Str])?;
        self.nl_pad()?;
        self.push("else");
        self.branch(
            else_,
            &[
                Kind::AttrSet,
                Kind::IfElse,
                Kind::Let,
                Kind::List,
                Kind::Str,
            ],
        )
    }

    fn branch(&mut self, e: &Expr, same_line: &[Kind]) -> R {
        if same_line.contains(&kind(e, P_TOP)) || self.fits(e, P_TOP)? {
            self.push(" ");
            self.fmt_wider(e, P_TOP)
        } else {
            self.indent += 1;
            self.nl_pad()?;
            self.fmt_wider(e, P_TOP)?;
            self.indent -= 1;
            Ok(())
        }
    }

    /// alejandra's bin_op rule (also used for `or` defaults and `?`).
    ///
    /// rnix 0.10, which alejandra uses, parses every binary operator as left associative, so a right-associative
    /// chain `a // (b // c)` printed as `a // b // c` is laid out by alejandra as `(a // b) // c`. The printer
    /// mirrors that view: the chain's operands are printed one per line when it is vertical.
    fn bin_op(&mut self, op: crate::BinOp, lhs: &Expr, rhs: &Expr, vertical: bool) -> R {
        let p = op.precedence();
        let (lreq, rreq) = match op.assoc() {
            crate::Assoc::Left => (p, p + 1),
            crate::Assoc::Right => (p + 1, p),
            crate::Assoc::None => (p + 1, p + 1),
        };
        // Right-nested operands of the same operator, printed without parentheses.
        let mut rest: Vec<&Expr> = Vec::new();
        let mut cur = rhs;
        loop {
            match cur {
                Expr::BinOp {
                    op: o,
                    lhs: l,
                    rhs: r,
                } if op.assoc() == crate::Assoc::Right && *o == op => {
                    rest.push(l);
                    cur = r;
                }
                _ => {
                    rest.push(cur);
                    break;
                }
            }
        }
        let n = rest.len();
        if vertical {
            if matches!(kind(lhs, lreq), Kind::BinOp | Kind::OrDefault) {
                self.fmt(lhs, lreq, true)?;
            } else {
                self.fmt_wider(lhs, lreq)?;
            }
            for (i, operand) in rest.iter().enumerate() {
                self.nl_pad()?;
                self.push(op.symbol());
                self.push(" ");
                let req = if i + 1 == n { rreq } else { lreq };
                self.fmt_wider(operand, req)?;
            }
            Ok(())
        } else {
            self.fmt(lhs, lreq, false)?;
            for (i, operand) in rest.iter().enumerate() {
                self.push(" ");
                self.push(op.symbol());
                self.push(" ");
                let req = if i + 1 == n { rreq } else { lreq };
                self.fmt(operand, req, false)?;
            }
            Ok(())
        }
    }
}

/// Bindings written straight into a [`Printed`] ([`Printed::push_direct`]), in the layout the
/// printer gives the equivalent tree, without building it: for the emitter's most frequent
/// definition shapes. Every name, string and comment goes through the printer's own escaping;
/// what the writer cannot decide from its arguments (that a set it opens gets two bindings or
/// more, and so is vertical) is its caller's to keep, and a test compares both paths.
pub struct Direct<'p> {
    out: &'p mut String,
    /// the indentation level of the bindings being written
    indent: usize,
}

impl Printed {
    /// Write bindings with `f` after the bindings already here (unchanged on error): text as
    /// [`Printed::push`] of the equivalent bindings gives it, when `f` follows [`Direct`]'s rules.
    pub fn push_direct(
        &mut self,
        f: impl FnOnce(&mut Direct<'_>) -> Result<(), PrintError>,
    ) -> Result<(), PrintError> {
        let start = self.text.len();
        let mut w = Direct {
            out: &mut self.text,
            indent: self.level,
        };
        let res = f(&mut w);
        if res.is_err() {
            self.text.truncate(start);
        }
        res
    }
}

impl Direct<'_> {
    fn nl_pad(&mut self) {
        match NL_SPACES.get(..=self.indent * 2) {
            Some(text) => self.out.push_str(text),
            None => {
                self.out.push('\n');
                for _ in 0..self.indent {
                    self.out.push_str("  ");
                }
            }
        }
    }

    /// A static attribute name, as `Printer::attr_name` writes it.
    fn name(&mut self, name: &str) -> Result<(), PrintError> {
        if is_identifier(name) {
            self.out.push_str(name);
            Ok(())
        } else {
            escape::quote_string_into(self.out, name, "attribute name")
        }
    }

    /// `var.attr`, as the printer writes a one-line select of a static name from a variable.
    fn select_text(&mut self, var: &str, attr: &str) -> Result<(), PrintError> {
        if !is_identifier(var) {
            return Err(PrintError::InvalidIdentifier {
                name: var.to_owned(),
            });
        }
        self.out.push_str(var);
        self.out.push('.');
        self.name(attr)
    }

    /// A new line and `name = `.
    fn start(&mut self, name: &str) -> Result<(), PrintError> {
        self.nl_pad();
        self.name(name)?;
        self.out.push_str(" = ");
        Ok(())
    }

    /// The comment lines of the next binding, as the printer writes a binding's `comments`.
    pub fn comments(&mut self, comments: &[String]) -> Result<(), PrintError> {
        for c in comments {
            if c.bytes().all(|b| matches!(b, b' '..=b'~')) {
                self.nl_pad();
                push_comment_line(self.out, c.trim_end_matches(' '));
                continue;
            }
            for line in comment_lines(c)? {
                self.nl_pad();
                push_comment_line(self.out, &line);
            }
        }
        Ok(())
    }

    /// `name = var.attr {`: a function selected from a variable applied to a set whose bindings
    /// follow, one level deeper, until [`Direct::close`]. The set must get two bindings or more
    /// (the printer writes a set of one on one line when it fits).
    pub fn open_apply(&mut self, name: &str, var: &str, attr: &str) -> Result<(), PrintError> {
        self.start(name)?;
        self.select_text(var, attr)?;
        self.out.push_str(" {");
        self.indent += 1;
        Ok(())
    }

    /// `name = var {`: a variable applied to a set whose bindings follow, one level deeper,
    /// until [`Direct::close`]; two or more, as for [`Direct::open_apply`].
    pub fn open_apply_var(&mut self, name: &str, var: &str) -> Result<(), PrintError> {
        self.start(name)?;
        if !is_identifier(var) {
            return Err(PrintError::InvalidIdentifier {
                name: var.to_owned(),
            });
        }
        self.out.push_str(var);
        self.out.push_str(" {");
        self.indent += 1;
        Ok(())
    }

    /// `name = {`: a set whose bindings follow until [`Direct::close`]; two or more, as for
    /// [`Direct::open_apply`].
    pub fn open_set(&mut self, name: &str) -> Result<(), PrintError> {
        self.start(name)?;
        self.out.push('{');
        self.indent += 1;
        Ok(())
    }

    /// `};`: the end of the set [`Direct::open_apply`] or [`Direct::open_set`] opened.
    pub fn close(&mut self) {
        self.indent = self.indent.saturating_sub(1);
        self.nl_pad();
        self.out.push_str("};");
    }

    /// `name = "value";`
    pub fn string(&mut self, name: &str, value: &str) -> Result<(), PrintError> {
        self.start(name)?;
        escape::quote_string_into(self.out, value, "string literal")?;
        self.out.push(';');
        Ok(())
    }

    /// `name = true;` or `name = false;`
    pub fn bool(&mut self, name: &str, value: bool) -> Result<(), PrintError> {
        self.start(name)?;
        self.out.push_str(if value { "true;" } else { "false;" });
        Ok(())
    }

    /// `name = var.attr;`
    pub fn select(&mut self, name: &str, var: &str, attr: &str) -> Result<(), PrintError> {
        self.start(name)?;
        self.select_text(var, attr)?;
        self.out.push(';');
        Ok(())
    }

    /// `name = [ var.a var.b … ];`: one line for none or one, one per line for more.
    pub fn select_list(
        &mut self,
        name: &str,
        var: &str,
        attrs: &[impl AsRef<str>],
    ) -> Result<(), PrintError> {
        self.start(name)?;
        self.list(attrs, |w, a| w.select_text(var, a.as_ref()))?;
        self.out.push(';');
        Ok(())
    }

    /// `name = [ var.a.b … ];`: attribute paths (names separated by dots) selected from a
    /// variable, as the printer writes one select of a whole path; one line for none or one,
    /// one per line for more.
    pub fn path_list(
        &mut self,
        name: &str,
        var: &str,
        paths: &[impl AsRef<str>],
    ) -> Result<(), PrintError> {
        self.start(name)?;
        self.list(paths, |w, p| {
            let mut names = p.as_ref().split('.');
            w.select_text(var, names.next().unwrap_or(""))?;
            for n in names {
                w.out.push('.');
                w.name(n)?;
            }
            Ok(())
        })?;
        self.out.push(';');
        Ok(())
    }

    /// `name = [ "a" "b" … ];`: one line for none or one, one per line for more.
    pub fn string_list(&mut self, name: &str, items: &[impl AsRef<str>]) -> Result<(), PrintError> {
        self.start(name)?;
        self.list(items, |w, s| {
            escape::quote_string_into(w.out, s.as_ref(), "string literal")
        })?;
        self.out.push(';');
        Ok(())
    }

    /// `name = {key = [ var.a … ];};`: a set of one list of selects (one line when the list has
    /// none or one, as the printer writes it).
    pub fn one_select_list_set(
        &mut self,
        name: &str,
        key: &str,
        var: &str,
        attrs: &[impl AsRef<str>],
    ) -> Result<(), PrintError> {
        if attrs.len() > 1 {
            self.open_set(name)?;
            self.select_list(key, var, attrs)?;
            self.close();
            return Ok(());
        }
        self.start(name)?;
        self.out.push('{');
        self.name(key)?;
        self.out.push_str(" = ");
        self.list(attrs, |w, a| w.select_text(var, a.as_ref()))?;
        self.out.push_str(";};");
        Ok(())
    }

    /// A list's items: `[]`, `[x]`, or one per line one level deeper.
    fn list<T>(
        &mut self,
        items: &[T],
        mut item: impl FnMut(&mut Self, &T) -> Result<(), PrintError>,
    ) -> Result<(), PrintError> {
        self.out.push('[');
        if let [only] = items {
            item(self, only)?;
        } else if !items.is_empty() {
            self.indent += 1;
            for i in items {
                self.nl_pad();
                item(self, i)?;
            }
            self.indent -= 1;
            self.nl_pad();
        }
        self.out.push(']');
        Ok(())
    }
}

/// Whether `fmt` writes `e` without a line break when it is not vertical (at any precedence: only
/// `if`, which is never on one line, changes by being parenthesised). A text the printer would
/// refuse (a NUL, an invalid identifier) counts as what it would look like: the refusal comes
/// when `e` is printed.
fn one_line(e: &Expr) -> bool {
    let dynamic_names_one_line = |path: &[AttrName]| {
        path.iter().all(|n| match n {
            AttrName::Static(_) => true,
            AttrName::Dynamic(e) => one_line(e),
        })
    };
    match e {
        Expr::Null | Expr::Bool(_) | Expr::Int(_) | Expr::Str(_) | Expr::Path(_) | Expr::Var(_) => {
            true
        }
        Expr::IndentedStr(s) => !matches!(escape::indented_string_lines(s), Ok(Some(_))),
        Expr::Interpolated(parts) => parts.iter().all(|p| match p {
            StrPart::Lit(_) => true,
            StrPart::Interp(e) => one_line(e),
        }),
        Expr::Select {
            expr,
            path,
            default,
        } => {
            one_line(expr)
                && dynamic_names_one_line(path)
                && default.as_deref().is_none_or(one_line)
        }
        Expr::HasAttr { expr, path } => one_line(expr) && dynamic_names_one_line(path),
        Expr::Apply { func, arg } => one_line(func) && one_line(arg),
        // more than one element, or one that does not fit, is one per line
        Expr::List(items) => match items.as_slice() {
            [] => true,
            [only] => one_line(only),
            _ => false,
        },
        Expr::AttrSet { bindings, .. } => match bindings.as_slice() {
            [] => true,
            [only] => {
                only.comments.is_empty()
                    && match &only.kind {
                        BindingKind::Assign { path, value } => {
                            dynamic_names_one_line(path) && one_line(value)
                        }
                        BindingKind::Inherit(_) => true,
                        BindingKind::InheritFrom { from, .. } => one_line(from),
                        BindingKind::Printed(p) => p.text.is_empty(),
                    }
            }
            _ => false,
        },
        Expr::Lambda { param, body } => {
            let param_one_line = match param {
                Param::Ident(_) => true,
                Param::Pattern {
                    entries, ellipsis, ..
                } => {
                    // the pattern rule: more entries than `{a}` or `{a, ...}` is one per line
                    let tall = if *ellipsis { 2 } else { 1 };
                    entries.len() + usize::from(*ellipsis) <= tall
                        && entries
                            .iter()
                            .all(|entry| entry.default.as_ref().is_none_or(one_line))
                }
            };
            param_one_line && one_line(body)
        }
        Expr::With { scope: a, body: b } | Expr::Assert { cond: a, body: b } => {
            one_line(a) && one_line(b)
        }
        Expr::BinOp { lhs, rhs, .. } => one_line(lhs) && one_line(rhs),
        Expr::Not(inner) => one_line(inner),
        Expr::Trusted(text) => !text.trim().contains('\n'),
        Expr::Let { .. } | Expr::If { .. } => false,
    }
}

fn path_is_literal(p: &str) -> bool {
    matches!(escape::path_form(p), Ok(escape::PathForm::Literal(_)))
}

#[cfg(test)]
mod comment_tests {
    use super::*;
    use crate::ast::{Binding, Expr, File};

    /// Issue 19: ESC, BEL and U+202E from a lock reached comments raw.
    #[test]
    fn control_and_bidi_characters_are_escaped_in_comments() {
        let hostile = "pkg \u{1b}[31mred\u{7} \u{202e}gnp.exe\u{2066} \u{85}x\u{2028}y";
        let file = File::new(
            vec![hostile.to_string()],
            Expr::attrs([Binding::assign("a", Expr::var("b")).comment(hostile)]),
        );
        let text = print_file(&file).unwrap();
        assert!(
            !text.chars().any(|c| escaped_in_comments(c) && c != '\n'),
            "{text:?}"
        );
        assert!(
            text.contains(
                "# pkg \\u{1b}[31mred\\u{7} \\u{202e}gnp.exe\\u{2066} \\u{85}x\\u{2028}y"
            ),
            "{text}"
        );
        // still one comment line each: nothing escaped into code
        assert_eq!(text.matches("\\u{1b}").count(), 2, "{text}");
        // plain text is unchanged
        assert_eq!(escape_comment("é ✓ ok"), "é ✓ ok");
    }
}
