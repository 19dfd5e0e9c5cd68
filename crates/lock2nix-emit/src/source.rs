//! Sources as Nix: the fetcher calls and project paths the plan chose.

use lock2nix_nix::{Binding, Expr};
use lock2nix_plan::{Base, Src, SrcHash};

fn hash(h: &SrcHash) -> Expr<'_> {
    match h {
        SrcHash::Sri(s) => Expr::string(s),
        SrcHash::Missing => Expr::var("lib").attr("fakeHash"),
    }
}

/// `<base> + "/<rel>"` (a path, since the bases are paths), or the base itself.
fn from_base(base: Base, rel: &str) -> Expr<'_> {
    let var = match base {
        Base::Workspace => "workspaceRoot",
        Base::SourceRoot => "sourceRoot",
    };
    let rel = rel.trim_start_matches("./").trim_end_matches('/');
    if rel == "." || rel.is_empty() {
        Expr::var(var)
    } else {
        Expr::var(var).add(Expr::string(format!("/{rel}")))
    }
}

/// The expression for `src`.
pub(crate) fn src(s: &Src) -> Expr<'_> {
    match s {
        Src::Url { name, url, hash: h } => {
            let mut b = Vec::with_capacity(3);
            if let Some(n) = name {
                b.push(Binding::assign("name", Expr::string(n)));
            }
            b.push(Binding::assign("url", Expr::string(url)));
            b.push(Binding::assign("hash", hash(h)));
            Expr::var("final").attr("fetchurl").apply(Expr::attrs(b))
        }
        Src::GitHub {
            host,
            owner,
            repo,
            rev,
            hash: h,
            ..
        } => {
            let mut b = vec![
                Binding::assign("owner", Expr::string(owner)),
                Binding::assign("repo", Expr::string(repo)),
                Binding::assign("rev", Expr::string(rev)),
                Binding::assign("hash", hash(h)),
            ];
            if let Some(host) = host {
                b.push(Binding::assign("githubBase", Expr::string(host)));
            }
            Expr::var("final")
                .attr("fetchFromGitHub")
                .apply(Expr::attrs(b))
        }
        Src::Git {
            name,
            url,
            rev,
            hash: h,
            ..
        } => {
            let mut b = Vec::with_capacity(4);
            if let Some(n) = name {
                b.push(Binding::assign("name", Expr::string(n)));
            }
            b.push(Binding::assign("url", Expr::string(url)));
            b.push(Binding::assign("rev", Expr::string(rev)));
            b.push(Binding::assign("hash", hash(h)));
            Expr::var("final").attr("fetchgit").apply(Expr::attrs(b))
        }
        Src::File { path, base } => from_base(*base, path),
        Src::Tree { path, name, base } => Expr::var("builtins").attr("path").apply(Expr::attrs([
            Binding::assign("path", from_base(*base, path)),
            Binding::assign("name", Expr::string(name)),
            Binding::assign("filter", Expr::var("sourceFilter")),
        ])),
    }
}
