# lock2nix: index of a nixpkgs Python package set.
#
# Evaluates `pkgs.${python}.pkgs` (e.g. python313Packages) and returns
#   { meta = { python; nixpkgs; nixpkgsVersion; };
#     packages = { <attr> = { pname; version; broken; disabled; failed; note; }; ... }; }
# - nixpkgs: a path (or path string), `<nixpkgs>`, or a flake (`builtins.getFlake "..."`, anything with outPath)
# - python: the interpreter attribute, e.g. "python313"
# - checkOutPath: when a package has no `disabled` attribute (older nixpkgs), force its outPath to see
#   whether it throws (slow on a full nixpkgs: it instantiates every derivation)
# Aliases are switched off (config.allowAliases = false), so renamed/removed attributes that throw are not
# listed. Attributes that are not Python modules (functions, `pkgs`, the interpreter, hooks) are skipped.
# An attribute whose evaluation throws is recorded with failed = true and a note, never fatal.
# Only `throw` and `assert` failures can be caught (builtins.tryEval); other evaluation errors abort.
{
  nixpkgs ? <nixpkgs>,
  python ? "python313",
  checkOutPath ? false,
}:
let
  src = if builtins.isAttrs nixpkgs then nixpkgs.outPath else nixpkgs;
  pkgs = import src {
    config = {
      allowAliases = false;
      allowBroken = true;
      allowUnfree = true;
      allowUnsupportedSystem = true;
      allowInsecurePredicate = _: true;
    };
    overlays = [ ];
  };
  try = default: v:
    let
      r = builtins.tryEval (builtins.deepSeq v v);
    in
    if r.success then r.value else default;
  interp = pkgs.${python};
  set = if interp ? pkgs then interp.pkgs else pkgs."${python}Packages";
  strOrNull = v: if builtins.isString v then v else null;
  boolOrNull = v: if builtins.isBool v then v else null;
  isPythonModule = v: (v.type or null) == "derivation" && (v.pythonModule or false) != false;
  describe =
    name:
    let
      v = set.${name};
      kind = builtins.tryEval (isPythonModule v);
    in
    if !kind.success then
      {
        pname = null;
        version = null;
        broken = null;
        disabled = null;
        failed = true;
        note = "evaluation failed (throw or assert)";
      }
    else if !kind.value then
      null
    else
      let
        parsed = try null (builtins.parseDrvName v.name);
        pname = try null (strOrNull (v.pname or parsed.name));
        version = try null (strOrNull (v.version or parsed.version));
        broken = try null (boolOrNull (v.meta.broken or false));
        hasDisabled = try false (v ? disabled);
        disabledAttr = try null (boolOrNull v.disabled);
        outOk = (builtins.tryEval (builtins.seq v.outPath true)).success;
        disabled =
          if hasDisabled then disabledAttr
          else if checkOutPath then !outOk
          else null;
        notes =
          builtins.filter (x: x != null) [
            (if pname == null then "pname could not be evaluated" else null)
            (if version == null then "version could not be evaluated" else null)
            (if !hasDisabled && checkOutPath && !outOk then "outPath throws (disabled for this interpreter, or another evaluation error)" else null)
          ];
      in
      {
        inherit pname version broken disabled;
        failed = false;
        note = if notes == [ ] then null else builtins.concatStringsSep "; " notes;
      };
  described = map (name: {
    inherit name;
    value = describe name;
  }) (builtins.attrNames set);
in
{
  meta = {
    python = try null (strOrNull interp.pythonVersion);
    nixpkgs = try null (
      if builtins.isAttrs nixpkgs && nixpkgs ? rev then nixpkgs.rev
      else if builtins.isAttrs nixpkgs && nixpkgs ? dirtyRev then nixpkgs.dirtyRev
      else if pkgs.lib ? trivial && pkgs.lib.trivial ? revisionWithDefault then pkgs.lib.trivial.revisionWithDefault null
      else null
    );
    nixpkgsVersion = try null (strOrNull (pkgs.lib.version or null));
  };
  packages = builtins.listToAttrs (builtins.filter (x: x.value != null) described);
}
