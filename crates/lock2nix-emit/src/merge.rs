//! Merging one attribute's per-system definitions into one expression: equal parts once,
//! differing parts chosen with `bySystem { <system> = …; }`.

use lock2nix_nix::{AttrName, Binding, Expr};
use lock2nix_wheel::System;

/// The name of a `name = value;` binding with a one-element static path.
fn single_name<'b, 'a>(b: &'b Binding<'a>) -> Option<&'b AttrName<'a>> {
    match &b.kind {
        lock2nix_nix::BindingKind::Assign { path, .. }
            if path.len() == 1 && matches!(path[0], AttrName::Static(_)) =>
        {
            Some(&path[0])
        }
        _ => None,
    }
}

/// Whether `b` assigns `name` (its first path element).
fn assigns(b: &Binding, name: &AttrName) -> bool {
    matches!(&b.kind, lock2nix_nix::BindingKind::Assign { path, .. } if path[0] == *name)
}

/// Merge per-system expressions: equal → one; attrsets/applications of the same shape → merged
/// field by field; lists → common elements plus `bySystem` extras; otherwise `bySystem { … }`.
///
/// Takes the expressions by value and moves their parts into the result (no tree is cloned).
pub(crate) fn merge(mut per_system: Vec<(System, Expr<'_>)>) -> Expr<'_> {
    let first = &per_system[0].1;
    // the first is compared with the others only: a deep comparison of it with itself is
    // the costliest part of merging values that are equal
    let others = &per_system[1..];
    // Applications and lambdas with one head are merged below it without comparing the whole
    // trees first: with equal children that gives the first tree back, and the children are
    // compared there anyway.
    let shared_head = match first {
        Expr::Apply { func, .. } => others
            .iter()
            .all(|(_, e)| matches!(e, Expr::Apply { func: f, .. } if f == func)),
        Expr::Lambda { param, .. } => others
            .iter()
            .all(|(_, e)| matches!(e, Expr::Lambda { param: p, .. } if p == param)),
        _ => false,
    };
    // the same everywhere it is present (where it is absent the definition is unused)
    if !shared_head && others.iter().all(|(_, e)| e == first) {
        return per_system.swap_remove(0).1;
    }
    match first {
        // every expression has this head (computed above)
        Expr::Apply { .. } if shared_head => {
            return merge_below(
                per_system,
                |e| match e {
                    Expr::Apply { func, arg } => Ok((func, *arg)),
                    other => Err(other),
                },
                |func, arg| Expr::Apply {
                    func,
                    arg: Box::new(arg),
                },
            );
        }
        Expr::Lambda { .. } if shared_head => {
            return merge_below(
                per_system,
                |e| match e {
                    Expr::Lambda { param, body } => Ok((param, *body)),
                    other => Err(other),
                },
                |param, body| Expr::Lambda {
                    param,
                    body: Box::new(body),
                },
            );
        }
        Expr::AttrSet {
            rec: false,
            bindings,
        } => {
            if names_aligned(bindings, others) {
                return merge_aligned(per_system);
            }
            if let Some(union) = attrset_union(bindings, &per_system) {
                return merge_attrsets(union, per_system);
            }
        }
        Expr::List(_) if per_system.iter().all(|(_, e)| matches!(e, Expr::List(_))) => {
            let lists: Vec<(System, Vec<Expr<'_>>)> = per_system
                .into_iter()
                .map(|(s, e)| match e {
                    Expr::List(l) => (s, l),
                    // not reached: all are lists
                    _ => (s, Vec::new()),
                })
                .collect();
            let common: Vec<Expr<'_>> = lists[0]
                .1
                .iter()
                .filter(|x| lists[1..].iter().all(|(_, l)| l.contains(x)))
                .cloned()
                .collect();
            let extras: Vec<(System, Expr<'_>)> = lists
                .into_iter()
                .map(|(s, l)| (s, Expr::list(l.into_iter().filter(|x| !common.contains(x)))))
                .collect();
            let by = by_system(extras);
            return if common.is_empty() {
                by
            } else {
                Expr::list(common).concat(by)
            };
        }
        _ => {}
    }
    by_system(per_system)
}

/// Merge expressions that share their head (the same function applied, the same parameter):
/// `split` takes each apart into head and child, the head is kept once and the children merged,
/// and `join` puts them back together.
fn merge_below<'a, H>(
    per_system: Vec<(System, Expr<'a>)>,
    split: impl Fn(Expr<'a>) -> Result<(H, Expr<'a>), Expr<'a>>,
    join: impl FnOnce(H, Expr<'a>) -> Expr<'a>,
) -> Expr<'a> {
    let mut head = None;
    let children: Vec<(System, Expr<'a>)> = per_system
        .into_iter()
        .map(|(s, e)| match split(e) {
            Ok((h, child)) => {
                head.get_or_insert(h);
                (s, child)
            }
            Err(other) => (s, other),
        })
        .collect();
    match head {
        Some(head) => join(head, merge(children)),
        // not reached: the callers checked that every expression has the head
        None => by_system(children),
    }
}

/// Whether every expression is a plain set of `name = value;` bindings with `first`'s names in
/// `first`'s order (the usual case: one recipe on every system). [`attrset_union`] accepts such
/// sets, its union is `first`'s names, and name `i` is binding `i` of every set.
fn names_aligned(first: &[Binding], others: &[(System, Expr)]) -> bool {
    if !first.iter().all(|b| single_name(b).is_some()) {
        return false;
    }
    others.iter().all(|(_, e)| match e {
        Expr::AttrSet {
            rec: false,
            bindings,
        } => {
            bindings.len() == first.len()
                && bindings
                    .iter()
                    .zip(first)
                    .all(|(b, f)| single_name(b).is_some_and(|n| assigns(f, n)))
        }
        _ => false,
    })
}

/// [`merge_attrsets`] of sets [`names_aligned`] accepted, pairing bindings by position: what it
/// gives, without looking names up. A binding whose value is equal on every system is the first
/// system's as it is (`merge` of equal values is the first, whatever their shape); otherwise its
/// path is kept and its values merged. Either way it keeps the comments of the first system's
/// binding that has any.
fn merge_aligned<'a>(per_system: Vec<(System, Expr<'a>)>) -> Expr<'a> {
    let mut sets = per_system.into_iter().map(|(s, e)| match e {
        Expr::AttrSet { bindings, .. } => (s, bindings),
        // not reached: names_aligned accepted only sets
        _ => (s, Vec::new()),
    });
    let Some((first_system, mut first)) = sets.next() else {
        return Expr::attrs([]);
    };
    let mut others: Vec<(System, std::vec::IntoIter<Binding<'a>>)> =
        sets.map(|(s, bs)| (s, bs.into_iter())).collect();
    // the first set's bindings are the result's, merged in place
    for b in &mut first {
        // the others' bindings at this position (names_aligned: as many as the first's) are
        // the next ones of their sets, looked at in place
        if b.comments.is_empty() {
            if let Some(o) = others
                .iter_mut()
                .filter_map(|(_, bs)| bs.as_mut_slice().first_mut())
                .find(|o| !o.comments.is_empty())
            {
                b.comments = std::mem::take(&mut o.comments);
            }
        }
        let lock2nix_nix::BindingKind::Assign { value, .. } = &mut b.kind else {
            // not reached: names_aligned accepted only `name = value;` bindings
            continue;
        };
        let equal = others.iter().all(|(_, bs)| match bs.as_slice().first() {
            Some(Binding {
                kind: lock2nix_nix::BindingKind::Assign { value: v, .. },
                ..
            }) => *v == *value,
            _ => false,
        });
        if equal {
            for (_, bs) in &mut others {
                bs.next();
            }
        } else {
            let mut vals = Vec::with_capacity(others.len() + 1);
            vals.push((first_system, std::mem::replace(value, Expr::Null)));
            for (s, bs) in &mut others {
                if let Some(Binding {
                    kind: lock2nix_nix::BindingKind::Assign { value: v, .. },
                    ..
                }) = bs.next()
                {
                    vals.push((*s, v));
                }
            }
            *value = merge(vals);
        }
    }
    Expr::AttrSet {
        rec: false,
        bindings: first,
    }
}

/// For attribute sets that can be merged name by name: the union of their names (first set's
/// order, then new names as they appear). `None` when some expression is not a plain set of
/// `name = value;` bindings, or a name is absent on a system and its value (the first system's
/// that has it) is neither a list nor a set (which would stand in empty).
fn attrset_union<'a>(
    first: &[Binding<'a>],
    per_system: &[(System, Expr<'a>)],
) -> Option<Vec<AttrName<'a>>> {
    let mut union: Vec<AttrName<'a>> = first
        .iter()
        .map(|b| single_name(b).cloned())
        .collect::<Option<_>>()?;
    for (_, e) in per_system {
        let Expr::AttrSet {
            rec: false,
            bindings,
        } = e
        else {
            return None;
        };
        for b in bindings {
            let n = single_name(b)?;
            if !union.contains(n) {
                union.push(n.clone());
            }
        }
    }
    for name in &union {
        let sets = per_system.iter().filter_map(|(_, e)| match e {
            Expr::AttrSet { bindings, .. } => Some(bindings),
            _ => None,
        });
        let mut absent_somewhere = false;
        let mut sample: Option<&Expr> = None;
        for bindings in sets {
            match bindings.iter().find(|b| assigns(b, name)) {
                Some(b) => {
                    if sample.is_none() {
                        if let lock2nix_nix::BindingKind::Assign { value, .. } = &b.kind {
                            sample = Some(value);
                        }
                    }
                }
                None => absent_somewhere = true,
            }
        }
        if absent_somewhere && !matches!(sample, Some(Expr::List(_) | Expr::AttrSet { .. })) {
            return None;
        }
    }
    Some(union)
}

/// Merge attribute sets name by name (after [`attrset_union`] accepted them): a name absent on a
/// system is an empty list or set there; each merged binding keeps the comments of the first
/// system's binding that has any.
fn merge_attrsets<'a>(union: Vec<AttrName<'a>>, per_system: Vec<(System, Expr<'a>)>) -> Expr<'a> {
    // per system, its bindings in their order, taken out as they are used
    let mut sets: Vec<(System, Vec<Option<Binding<'a>>>)> = per_system
        .into_iter()
        .map(|(s, e)| match e {
            Expr::AttrSet { bindings, .. } => (s, bindings.into_iter().map(Some).collect()),
            // not reached: attrset_union accepted only sets
            _ => (s, Vec::new()),
        })
        .collect();
    let mut merged = Vec::with_capacity(union.len());
    for name in union {
        // the value absent systems get: empty of the kind of the first value present
        let empty = sets.iter().find_map(|(_, bs)| {
            bs.iter()
                .flatten()
                .find(|b| assigns(b, &name))
                .map(|b| match &b.kind {
                    lock2nix_nix::BindingKind::Assign {
                        value: Expr::AttrSet { .. },
                        ..
                    } => Expr::attrs([]),
                    _ => Expr::List(Vec::new()),
                })
        });
        let mut vals: Vec<(System, Expr<'a>)> = Vec::with_capacity(sets.len());
        let mut comments = Vec::new();
        for (s, bs) in sets.iter_mut() {
            let found = bs
                .iter_mut()
                .find(|b| b.as_ref().is_some_and(|b| assigns(b, &name)))
                .and_then(Option::take);
            match found {
                Some(b) => {
                    if comments.is_empty() {
                        comments = b.comments;
                    }
                    if let lock2nix_nix::BindingKind::Assign { value, .. } = b.kind {
                        vals.push((*s, value));
                    }
                }
                None => vals.push((*s, empty.clone().unwrap_or(Expr::List(Vec::new())))),
            }
        }
        let mut bnd = Binding::assign(name, merge(vals));
        bnd.comments = comments;
        merged.push(bnd);
    }
    Expr::attrs(merged)
}

fn by_system(per_system: Vec<(System, Expr<'_>)>) -> Expr<'_> {
    Expr::var("bySystem").apply(Expr::attrs(
        per_system
            .into_iter()
            .map(|(s, e)| Binding::assign(s.as_str(), e)),
    ))
}
