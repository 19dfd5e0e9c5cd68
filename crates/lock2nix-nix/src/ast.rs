//! The syntax tree: [`Expr`], [`Binding`], [`AttrName`], [`Param`], [`File`] and their builders.
//!
//! Every piece of text that may come from untrusted input (a uv.lock, a package name, a URL) is held as a plain
//! Rust string (a `Cow`: borrowed from the data the tree is built from, e.g. a plan, or owned when it is
//! made for the tree) and escaped by the printer. The only way to put verbatim Nix text into a tree is [`Expr::Trusted`], which is reserved for Nix written by the user in their own config file.

use std::borrow::Cow;

/// A Nix expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr<'a> {
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer literal. Negative values are parenthesised where the grammar needs it.
    Int(i64),
    /// A string literal. Printed as `"…"` (or as an indented `''…''` string when it is multi-line and
    /// [`Expr::IndentedStr`] is used). The text is escaped: the printed literal evaluates to exactly this string.
    Str(Cow<'a, str>),
    /// A multi-line string, printed as an indented string `''…''` when it contains a newline and can be
    /// represented faithfully that way, otherwise as a `"…"` literal. Meant for shell snippets.
    IndentedStr(Cow<'a, str>),
    /// A string with interpolations, `"literal${expr}literal"`. The literal parts are escaped; the
    /// interpolated parts are typed expressions. Use only with expressions the emitter builds itself.
    Interpolated(Vec<StrPart<'a>>),
    /// A path. Relative paths start with `./` or `../`, absolute ones with `/`. Printed as a path literal
    /// when every component matches Nix's path charset `[a-zA-Z0-9._+-]` and there is no trailing slash,
    /// otherwise as `(./. + "/escaped")` (relative) or `(/. + "/escaped")` (absolute), which Nix
    /// canonicalises to the same path. A path that starts with neither is a print error.
    Path(Cow<'a, str>),
    /// A variable reference (must be a valid identifier, checked when printing).
    Var(Cow<'a, str>),
    /// `expr.a.b` or `expr.a.b or default`.
    Select {
        /// The set being selected from.
        expr: Box<Expr<'a>>,
        /// The attribute path (at least one element).
        path: Vec<AttrName<'a>>,
        /// The `or` default.
        default: Option<Box<Expr<'a>>>,
    },
    /// `expr ? a.b`
    HasAttr {
        /// The set being tested.
        expr: Box<Expr<'a>>,
        /// The attribute path (at least one element).
        path: Vec<AttrName<'a>>,
    },
    /// Function application `func arg`.
    Apply {
        /// The function.
        func: Box<Expr<'a>>,
        /// The argument.
        arg: Box<Expr<'a>>,
    },
    /// `[ a b c ]`
    List(Vec<Expr<'a>>),
    /// `{ … }` or `rec { … }`.
    AttrSet {
        /// `rec { … }`
        rec: bool,
        /// The bindings, printed in this order.
        bindings: Vec<Binding<'a>>,
    },
    /// `let … in body`
    Let {
        /// The bindings.
        bindings: Vec<Binding<'a>>,
        /// The body.
        body: Box<Expr<'a>>,
    },
    /// `param: body`
    Lambda {
        /// The parameter.
        param: Param<'a>,
        /// The body.
        body: Box<Expr<'a>>,
    },
    /// `with scope; body`
    With {
        /// The scope expression.
        scope: Box<Expr<'a>>,
        /// The body.
        body: Box<Expr<'a>>,
    },
    /// `if cond then then_ else else_`
    If {
        /// Condition.
        cond: Box<Expr<'a>>,
        /// Then branch.
        then: Box<Expr<'a>>,
        /// Else branch.
        else_: Box<Expr<'a>>,
    },
    /// `assert cond; body`
    Assert {
        /// The assertion.
        cond: Box<Expr<'a>>,
        /// The body.
        body: Box<Expr<'a>>,
    },
    /// A binary operation, parenthesised according to Nix precedence.
    BinOp {
        /// The operator.
        op: BinOp,
        /// Left operand.
        lhs: Box<Expr<'a>>,
        /// Right operand.
        rhs: Box<Expr<'a>>,
    },
    /// `!expr`
    Not(Box<Expr<'a>>),
    /// Verbatim Nix from the user's own config file, never from a lock.
    ///
    /// The text is printed as is (parenthesised when it is not in a top-level position). It must be a single,
    /// complete expression; the printer rejects text that is empty, contains NUL, or ends inside a `#` comment
    /// (which would swallow the following `;`). No other check is made: whoever builds this variant vouches for it.
    Trusted(Cow<'a, str>),
}

/// One part of an interpolated string.
#[derive(Debug, Clone, PartialEq)]
pub enum StrPart<'a> {
    /// Literal text (escaped when printed).
    Lit(Cow<'a, str>),
    /// `${expr}`
    Interp(Expr<'a>),
}

/// Binary operators, in the Nix precedence order documented on [`BinOp::precedence`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `++` (right associative)
    Concat,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `//` (right associative)
    Update,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `&&`
    And,
    /// `||`
    Or,
    /// `->` (right associative)
    Implies,
}

/// Associativity of a binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assoc {
    /// `a op b op c` = `(a op b) op c`
    Left,
    /// `a op b op c` = `a op (b op c)`
    Right,
    /// `a op b op c` is a syntax error
    None,
}

impl BinOp {
    /// The operator's text.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Concat => "++",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Update => "//",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::And => "&&",
            BinOp::Or => "||",
            BinOp::Implies => "->",
        }
    }

    /// Binding strength, higher binds tighter. The order follows the Nix manual's operator table:
    /// `++` (11), `*` `/` (10), `+` `-` (9), `!` (8), `//` (7), `<` `<=` `>` `>=` (6), `==` `!=` (5),
    /// `&&` (4), `||` (3), `->` (2). Selection (14), application (13), negation (12) and `?` (12)
    /// bind tighter than every binary operator.
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Concat => 11,
            BinOp::Mul | BinOp::Div => 10,
            BinOp::Add | BinOp::Sub => 9,
            BinOp::Update => 7,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 6,
            BinOp::Eq | BinOp::Ne => 5,
            BinOp::And => 4,
            BinOp::Or => 3,
            BinOp::Implies => 2,
        }
    }

    /// The operator's associativity.
    pub fn assoc(self) -> Assoc {
        match self {
            BinOp::Concat | BinOp::Update | BinOp::Implies => Assoc::Right,
            BinOp::Mul | BinOp::Div | BinOp::Add | BinOp::Sub | BinOp::And | BinOp::Or => {
                Assoc::Left
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne => Assoc::None,
        }
    }
}

/// An attribute name.
///
/// A static name is printed bare when it is a valid Nix identifier and not a keyword, otherwise as a quoted,
/// escaped string (`"foo.bar"`, `"1x"`, `"if"`). A dynamic name (`${expr}`) is a typed expression chosen by the
/// emitter, e.g. `attrs.${system}`.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrName<'a> {
    /// A name given as text (any string, escaped as needed).
    Static(Cow<'a, str>),
    /// `${expr}`: a name computed at evaluation time. Not allowed in `inherit`.
    Dynamic(Box<Expr<'a>>),
}

impl<'a> AttrName<'a> {
    /// A static attribute name from any string.
    pub fn new(name: impl Into<String>) -> Self {
        AttrName::Static(Cow::Owned(name.into()))
    }

    /// A dynamic attribute name `${expr}`.
    pub fn dynamic(expr: Expr<'a>) -> Self {
        AttrName::Dynamic(Box::new(expr))
    }

    /// The static name, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrName::Static(s) => Some(s.as_ref()),
            AttrName::Dynamic(_) => None,
        }
    }

    /// Whether this name is printed bare (a static identifier that is not a keyword).
    pub fn is_bare(&self) -> bool {
        matches!(self, AttrName::Static(s) if crate::escape::is_identifier(s))
    }
}

/// A borrowed name: not copied.
impl<'a> From<&'a str> for AttrName<'a> {
    fn from(s: &'a str) -> Self {
        AttrName::Static(Cow::Borrowed(s))
    }
}

impl From<String> for AttrName<'_> {
    fn from(s: String) -> Self {
        AttrName::Static(Cow::Owned(s))
    }
}

impl<'a> From<&'a String> for AttrName<'a> {
    fn from(s: &'a String) -> Self {
        AttrName::Static(Cow::Borrowed(s))
    }
}

/// A binding inside an attribute set or `let`, with optional leading comment lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding<'a> {
    /// Comment lines printed above the binding (`# ` is added; an empty line prints as a bare `#`).
    /// A line containing a newline is split into several comment lines.
    pub comments: Vec<String>,
    /// The binding itself.
    pub kind: BindingKind<'a>,
}

/// The three forms of binding.
#[derive(Debug, Clone, PartialEq)]
pub enum BindingKind<'a> {
    /// `a.b.c = value;`
    Assign {
        /// The attribute path (at least one element).
        path: Vec<AttrName<'a>>,
        /// The value.
        value: Expr<'a>,
    },
    /// `inherit a b;`
    Inherit(Vec<AttrName<'a>>),
    /// `inherit (from) a b;`
    InheritFrom {
        /// Where the names come from.
        from: Expr<'a>,
        /// The names.
        names: Vec<AttrName<'a>>,
    },
    /// Bindings the printer already printed for a vertical set at a known indentation
    /// ([`crate::Printed`]), written as they are: a large set's bindings can be printed in
    /// parallel and dropped, and the set printed around them. Shared, so that
    /// [`crate::print_file_spliced`] can keep the text where it is instead of copying it.
    Printed(std::sync::Arc<crate::Printed>),
}

impl<'a> Binding<'a> {
    /// Bindings printed ahead of time (see [`BindingKind::Printed`]).
    pub fn printed(p: crate::Printed) -> Self {
        Binding {
            comments: Vec::new(),
            kind: BindingKind::Printed(std::sync::Arc::new(p)),
        }
    }

    /// `name = value;`
    pub fn assign(name: impl Into<AttrName<'a>>, value: Expr<'a>) -> Self {
        Binding {
            comments: Vec::new(),
            kind: BindingKind::Assign {
                path: vec![name.into()],
                value,
            },
        }
    }

    /// `a.b.c = value;`
    pub fn assign_path<I, N>(path: I, value: Expr<'a>) -> Self
    where
        I: IntoIterator<Item = N>,
        N: Into<AttrName<'a>>,
    {
        Binding {
            comments: Vec::new(),
            kind: BindingKind::Assign {
                path: path.into_iter().map(Into::into).collect(),
                value,
            },
        }
    }

    /// `inherit a b;`
    pub fn inherit<I, N>(names: I) -> Self
    where
        I: IntoIterator<Item = N>,
        N: Into<AttrName<'a>>,
    {
        Binding {
            comments: Vec::new(),
            kind: BindingKind::Inherit(names.into_iter().map(Into::into).collect()),
        }
    }

    /// `inherit (from) a b;`
    pub fn inherit_from<I, N>(from: Expr<'a>, names: I) -> Self
    where
        I: IntoIterator<Item = N>,
        N: Into<AttrName<'a>>,
    {
        Binding {
            comments: Vec::new(),
            kind: BindingKind::InheritFrom {
                from,
                names: names.into_iter().map(Into::into).collect(),
            },
        }
    }

    /// Add a leading comment line (builder style).
    pub fn comment(mut self, line: impl Into<String>) -> Self {
        self.comments.push(line.into());
        self
    }
}

/// A lambda parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Param<'a> {
    /// `x: …`
    Ident(String),
    /// `{ a, b ? default, ... }@bind: …`
    Pattern {
        /// The entries, printed in this order.
        entries: Vec<PatEntry<'a>>,
        /// Whether `...` is present.
        ellipsis: bool,
        /// `@name`, printed after the pattern.
        bind: Option<String>,
    },
}

/// One entry of a set pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct PatEntry<'a> {
    /// The formal's name (an identifier).
    pub name: String,
    /// `? default`
    pub default: Option<Expr<'a>>,
}

impl<'a> PatEntry<'a> {
    /// A formal without default.
    pub fn new(name: impl Into<String>) -> Self {
        PatEntry {
            name: name.into(),
            default: None,
        }
    }

    /// A formal with a default: `name ? default`.
    pub fn with_default(name: impl Into<String>, default: Expr<'a>) -> Self {
        PatEntry {
            name: name.into(),
            default: Some(default),
        }
    }
}

impl<'a> Param<'a> {
    /// A plain identifier parameter.
    pub fn ident(name: impl Into<String>) -> Self {
        Param::Ident(name.into())
    }

    /// A set pattern without `...` or `@`.
    pub fn pattern(entries: Vec<PatEntry<'a>>) -> Self {
        Param::Pattern {
            entries,
            ellipsis: false,
            bind: None,
        }
    }

    /// Add `...` to a set pattern (no effect on an identifier parameter).
    pub fn with_ellipsis(mut self) -> Self {
        if let Param::Pattern { ellipsis, .. } = &mut self {
            *ellipsis = true;
        }
        self
    }

    /// Add `@name` to a set pattern (no effect on an identifier parameter).
    pub fn bind_as(mut self, name: impl Into<String>) -> Self {
        if let Param::Pattern { bind, .. } = &mut self {
            *bind = Some(name.into());
        }
        self
    }
}

/// A whole `.nix` file: header comment lines, then one expression.
#[derive(Debug, Clone, PartialEq)]
pub struct File<'a> {
    /// Comment lines printed at the top (`# ` is added).
    pub header: Vec<String>,
    /// The file's expression.
    pub body: Expr<'a>,
}

impl<'a> File<'a> {
    /// A file with the given header lines and body.
    pub fn new<I, S>(header: I, body: Expr<'a>) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        File {
            header: header.into_iter().map(Into::into).collect(),
            body,
        }
    }
}

impl<'a> Expr<'a> {
    /// A string literal.
    pub fn string(s: impl Into<Cow<'a, str>>) -> Self {
        Expr::Str(s.into())
    }

    /// A multi-line (indented) string, see [`Expr::IndentedStr`].
    pub fn indented(s: impl Into<Cow<'a, str>>) -> Self {
        Expr::IndentedStr(s.into())
    }

    /// A variable reference.
    pub fn var(name: impl Into<Cow<'a, str>>) -> Self {
        Expr::Var(name.into())
    }

    /// A path, see [`Expr::Path`].
    pub fn path(p: impl Into<Cow<'a, str>>) -> Self {
        Expr::Path(p.into())
    }

    /// An integer.
    pub fn int(i: i64) -> Self {
        Expr::Int(i)
    }

    /// A boolean.
    pub fn bool(b: bool) -> Self {
        Expr::Bool(b)
    }

    /// Verbatim Nix from the user's own config file, never from a lock. See [`Expr::Trusted`].
    pub fn trusted(text: impl Into<Cow<'a, str>>) -> Self {
        Expr::Trusted(text.into())
    }

    /// A dotted variable path: `Expr::dotted("python-final.django")` = `Var("python-final")` selected with
    /// `django`. Each segment is an attribute name (quoted if needed); the first must be an identifier.
    /// Meant for names the emitter writes in its own code; for untrusted names use [`Expr::select`].
    pub fn dotted(path: &'a str) -> Self {
        let mut parts = path.split('.');
        let head = Expr::Var(Cow::Borrowed(parts.next().unwrap_or_default()));
        let rest: Vec<AttrName<'a>> = parts.map(AttrName::from).collect();
        if rest.is_empty() {
            head
        } else {
            head.select(rest)
        }
    }

    /// `self.a.b` — select an attribute path.
    pub fn select<I, N>(self, path: I) -> Self
    where
        I: IntoIterator<Item = N>,
        N: Into<AttrName<'a>>,
    {
        Expr::Select {
            expr: Box::new(self),
            path: path.into_iter().map(Into::into).collect(),
            default: None,
        }
    }

    /// `self.name` — select one attribute.
    pub fn attr(self, name: impl Into<AttrName<'a>>) -> Self {
        self.select([name.into()])
    }

    /// `self.a.b or default`
    pub fn select_or<I, N>(self, path: I, default: Expr<'a>) -> Self
    where
        I: IntoIterator<Item = N>,
        N: Into<AttrName<'a>>,
    {
        Expr::Select {
            expr: Box::new(self),
            path: path.into_iter().map(Into::into).collect(),
            default: Some(Box::new(default)),
        }
    }

    /// `self ? a.b`
    pub fn has_attr<I, N>(self, path: I) -> Self
    where
        I: IntoIterator<Item = N>,
        N: Into<AttrName<'a>>,
    {
        Expr::HasAttr {
            expr: Box::new(self),
            path: path.into_iter().map(Into::into).collect(),
        }
    }

    /// `self arg` — function application.
    pub fn apply(self, arg: Expr<'a>) -> Self {
        Expr::Apply {
            func: Box::new(self),
            arg: Box::new(arg),
        }
    }

    /// `self a b c` — apply to several arguments in turn.
    pub fn apply_all<I: IntoIterator<Item = Expr<'a>>>(self, args: I) -> Self {
        args.into_iter().fold(self, Expr::apply)
    }

    /// A list.
    pub fn list<I: IntoIterator<Item = Expr<'a>>>(items: I) -> Self {
        Expr::List(items.into_iter().collect())
    }

    /// A (non-recursive) attribute set.
    pub fn attrs<I: IntoIterator<Item = Binding<'a>>>(bindings: I) -> Self {
        Expr::AttrSet {
            rec: false,
            bindings: bindings.into_iter().collect(),
        }
    }

    /// A `rec` attribute set.
    pub fn rec_attrs<I: IntoIterator<Item = Binding<'a>>>(bindings: I) -> Self {
        Expr::AttrSet {
            rec: true,
            bindings: bindings.into_iter().collect(),
        }
    }

    /// `let bindings in body`
    pub fn let_in<I: IntoIterator<Item = Binding<'a>>>(bindings: I, body: Expr<'a>) -> Self {
        Expr::Let {
            bindings: bindings.into_iter().collect(),
            body: Box::new(body),
        }
    }

    /// `param: body`
    pub fn lambda(param: Param<'a>, body: Expr<'a>) -> Self {
        Expr::Lambda {
            param,
            body: Box::new(body),
        }
    }

    /// `name: body`
    pub fn lambda_ident(name: impl Into<String>, body: Expr<'a>) -> Self {
        Expr::Lambda {
            param: Param::Ident(name.into()),
            body: Box::new(body),
        }
    }

    /// `with scope; body`
    pub fn with(scope: Expr<'a>, body: Expr<'a>) -> Self {
        Expr::With {
            scope: Box::new(scope),
            body: Box::new(body),
        }
    }

    /// `if cond then a else b`
    pub fn if_then_else(cond: Expr<'a>, then: Expr<'a>, else_: Expr<'a>) -> Self {
        Expr::If {
            cond: Box::new(cond),
            then: Box::new(then),
            else_: Box::new(else_),
        }
    }

    /// `assert cond; body`
    pub fn assert(cond: Expr<'a>, body: Expr<'a>) -> Self {
        Expr::Assert {
            cond: Box::new(cond),
            body: Box::new(body),
        }
    }

    /// `self op rhs`
    pub fn binop(self, op: BinOp, rhs: Expr<'a>) -> Self {
        Expr::BinOp {
            op,
            lhs: Box::new(self),
            rhs: Box::new(rhs),
        }
    }

    /// `self // rhs`
    pub fn update(self, rhs: Expr<'a>) -> Self {
        self.binop(BinOp::Update, rhs)
    }

    /// `self ++ rhs`
    pub fn concat(self, rhs: Expr<'a>) -> Self {
        self.binop(BinOp::Concat, rhs)
    }

    /// `self + rhs`
    #[allow(clippy::should_implement_trait)]
    pub fn add(self, rhs: Expr<'a>) -> Self {
        self.binop(BinOp::Add, rhs)
    }

    /// `self == rhs`
    pub fn eq(self, rhs: Expr<'a>) -> Self {
        self.binop(BinOp::Eq, rhs)
    }

    /// `self != rhs`
    pub fn ne(self, rhs: Expr<'a>) -> Self {
        self.binop(BinOp::Ne, rhs)
    }

    /// `self && rhs`
    pub fn and(self, rhs: Expr<'a>) -> Self {
        self.binop(BinOp::And, rhs)
    }

    /// `self || rhs`
    pub fn or(self, rhs: Expr<'a>) -> Self {
        self.binop(BinOp::Or, rhs)
    }

    /// `self -> rhs`
    pub fn implies(self, rhs: Expr<'a>) -> Self {
        self.binop(BinOp::Implies, rhs)
    }

    /// `!self`
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Self {
        Expr::Not(Box::new(self))
    }
}

/// Build a non-recursive attribute set from `name => value` pairs (names are anything `Into<AttrName>`).
///
/// ```
/// use lock2nix_nix::{attrs, Expr};
/// let e = attrs! { "pname" => Expr::string("foo"), "version" => Expr::string("1.0") };
/// assert_eq!(lock2nix_nix::print_expr(&e).unwrap(), "{\n  pname = \"foo\";\n  version = \"1.0\";\n}");
/// ```
#[macro_export]
macro_rules! attrs {
    ($($name:expr => $value:expr),* $(,)?) => {
        $crate::Expr::attrs(vec![$($crate::Binding::assign($name, $value)),*])
    };
}

/// Build a list from expressions: `list![a, b]`.
#[macro_export]
macro_rules! list {
    ($($item:expr),* $(,)?) => {
        $crate::Expr::List(vec![$($item),*])
    };
}
