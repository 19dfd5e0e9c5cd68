//! Hash encodings against `nix-hash --to-base32/--to-base16` and `nix hash to-sri`.

mod common;

use std::process::Command;

use common::*;
use lock2nix_nar::hash::{from_nix_base32, to_nix_base32};
use lock2nix_nar::{
    nix_base32_to_sha256_hex, nix_base32_to_sri, sha256_hex_to_nix_base32, sha256_hex_to_sri,
    sri_to_nix_base32, sri_to_sha256_hex, HashParseError, NarHash,
};
use proptest::prelude::*;

fn digests() -> Vec<NarHash> {
    let mut v = vec![
        NarHash::from_bytes([0; 32]),
        NarHash::from_bytes([0xff; 32]),
        NarHash::from_bytes(std::array::from_fn(|i| i as u8)),
        NarHash::from_bytes(std::array::from_fn(|i| if i == 31 { 0x80 } else { 0 })),
        NarHash::from_bytes(std::array::from_fn(|i| if i == 0 { 1 } else { 0 })),
    ];
    for i in 0..40u32 {
        v.push(NarHash::sha256_of(&i.to_le_bytes()));
    }
    v
}

fn nix_lines(cmd: &mut Command) -> Vec<String> {
    let out = cmd.output().expect("running nix");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn encodings_match_nix() {
    let ds = digests();
    let hexes: Vec<String> = ds.iter().map(NarHash::to_hex).collect();
    let b32s: Vec<String> = ds.iter().map(NarHash::to_nix_base32).collect();
    let sris: Vec<String> = ds.iter().map(NarHash::to_sri).collect();
    for (i, d) in ds.iter().enumerate() {
        assert_eq!(b32s[i].len(), 52);
        assert_eq!(sris[i].len(), 7 + 44);
        assert_eq!(NarHash::from_hex(&hexes[i]).unwrap(), *d);
        assert_eq!(NarHash::from_nix_base32(&b32s[i]).unwrap(), *d);
        assert_eq!(NarHash::from_sri(&sris[i]).unwrap(), *d);
        assert_eq!(
            sha256_hex_to_sri(&format!("sha256:{}", hexes[i])).unwrap(),
            sris[i]
        );
        assert_eq!(sha256_hex_to_nix_base32(&hexes[i]).unwrap(), b32s[i]);
        assert_eq!(sri_to_sha256_hex(&sris[i]).unwrap(), hexes[i]);
        assert_eq!(sri_to_nix_base32(&sris[i]).unwrap(), b32s[i]);
        assert_eq!(nix_base32_to_sri(&b32s[i]).unwrap(), sris[i]);
        assert_eq!(
            nix_base32_to_sha256_hex(&format!("sha256:{}", b32s[i])).unwrap(),
            hexes[i]
        );
        for s in [&hexes[i], &b32s[i], &sris[i]] {
            assert_eq!(s.parse::<NarHash>().unwrap(), *d);
        }
        assert_eq!(
            NarHash::parse_any(&format!("sha256:{}", hexes[i])).unwrap(),
            *d
        );
        assert_eq!(NarHash::parse_any(&hexes[i].to_uppercase()).unwrap(), *d);
    }
    if !nix_enabled("encodings_match_nix") {
        return;
    }
    let nix_b32 = nix_lines(
        Command::new("nix-hash")
            .args(["--type", "sha256", "--to-base32"])
            .args(&hexes),
    );
    assert_eq!(nix_b32, b32s);
    let nix_hex = nix_lines(
        Command::new("nix-hash")
            .args(["--type", "sha256", "--to-base16"])
            .args(&b32s),
    );
    assert_eq!(nix_hex, hexes);
    let nix_sri = nix_lines(
        Command::new("nix")
            .args([
                "--extra-experimental-features",
                "nix-command",
                "hash",
                "to-sri",
                "--type",
                "sha256",
            ])
            .args(&b32s),
    );
    assert_eq!(nix_sri, sris);
    let nix_b32_from_sri = nix_lines(
        Command::new("nix")
            .args([
                "--extra-experimental-features",
                "nix-command",
                "hash",
                "to-base32",
            ])
            .args(&sris),
    );
    assert_eq!(nix_b32_from_sri, b32s);
}

#[test]
fn parse_errors_are_typed() {
    let good = NarHash::sha256_of(b"x").to_nix_base32();
    // `e`, `o`, `u`, `t` are not in Nix's alphabet.
    for bad in ['e', 'o', 'u', 't', 'A', '-'] {
        let s = format!("{bad}{}", &good[1..]);
        assert!(
            matches!(
                NarHash::from_nix_base32(&s),
                Err(HashParseError::BadCharacter { .. })
            ),
            "{s}"
        );
    }
    assert!(matches!(
        NarHash::from_nix_base32(&good[1..]),
        Err(HashParseError::BadLength { .. })
    ));
    assert!(matches!(
        NarHash::from_hex("abc"),
        Err(HashParseError::BadLength { .. })
    ));
    assert!(matches!(
        NarHash::from_hex(&"g".repeat(64)),
        Err(HashParseError::BadCharacter { .. })
    ));
    assert!(matches!(
        NarHash::from_sri("sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="),
        Err(HashParseError::UnsupportedAlgorithm { .. })
    ));
    assert!(matches!(
        NarHash::from_sri("sha256-AAAA"),
        Err(HashParseError::BadBase64 { .. })
    ));
    assert!(matches!(
        NarHash::from_sri("sha256-!!!"),
        Err(HashParseError::BadBase64 { .. })
    ));
    assert!(matches!(
        NarHash::from_sri("md5"),
        Err(HashParseError::NotSri { .. })
    ));
    assert!(matches!(
        NarHash::parse_any("sha1:0123456789abcdef0123456789abcdef01234567"),
        Err(HashParseError::UnsupportedAlgorithm { .. })
    ));
    assert!(matches!(
        NarHash::parse_any("zzz"),
        Err(HashParseError::Unrecognised { .. })
    ));
    // Unpadded SRI is accepted too.
    let sri = NarHash::sha256_of(b"y").to_sri();
    assert_eq!(
        NarHash::from_sri(sri.trim_end_matches('=')).unwrap(),
        NarHash::sha256_of(b"y")
    );
}

proptest! {
    #[test]
    fn roundtrips(bytes in any::<[u8; 32]>()) {
        let h = NarHash::from_bytes(bytes);
        prop_assert_eq!(NarHash::from_nix_base32(&h.to_nix_base32()).unwrap(), h);
        prop_assert_eq!(NarHash::from_sri(&h.to_sri()).unwrap(), h);
        prop_assert_eq!(NarHash::from_hex(&h.to_hex()).unwrap(), h);
        prop_assert_eq!(NarHash::parse_any(&h.to_nix_base32()).unwrap(), h);
    }

    #[test]
    fn base32_any_length_roundtrips(bytes in proptest::collection::vec(any::<u8>(), 0..70)) {
        let s = to_nix_base32(&bytes);
        prop_assert_eq!(s.len(), if bytes.is_empty() { 0 } else { (bytes.len() * 8 - 1) / 5 + 1 });
        prop_assert_eq!(from_nix_base32(&s, bytes.len()).unwrap(), bytes);
    }

    #[test]
    fn parsing_arbitrary_strings_never_panics(s in "\\PC{0,80}") {
        let _ = NarHash::parse_any(&s);
        let _ = NarHash::from_sri(&s);
        let _ = NarHash::from_hex(&s);
        let _ = NarHash::from_nix_base32(&s);
    }
}
