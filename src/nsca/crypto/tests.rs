//! The golden vectors made with the daemon's own libmcrypt.

use super::*;

const VECTORS: &str = include_str!("../../../tests/data/nsca/mcrypt-cfb8-vectors.txt");

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn golden_iv() -> [u8; IV_SIZE] {
    std::array::from_fn(|i| (i * 7 + 3) as u8)
}

#[test]
fn every_cfb_method_matches_libmcrypt() {
    let plaintext: Vec<u8> = (0..300).map(|i| (i * 13 + 1) as u8).collect();
    let mut checked = Vec::new();
    for line in VECTORS.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let method = Method::ALL
            .into_iter()
            .find(|m| m.name() == fields[0])
            .unwrap_or_else(|| panic!("no method for {}", fields[0]));
        assert_eq!(method.key_size().to_string(), fields[1], "{}", fields[0]);
        let mut data = plaintext.clone();
        let mut enc = Encryptor::new(method, b"secretpassword", &golden_iv());
        // Two calls: the stream must carry over between packets.
        let (a, b) = data.split_at_mut(123);
        enc.encrypt_packet(a);
        enc.encrypt_packet(b);
        assert_eq!(data, unhex(fields[3]), "{}", fields[0]);
        assert_ne!(data, plaintext);
        checked.push(method);
    }
    assert_eq!(checked.len(), 15);
}

#[test]
fn unusable_methods_are_named() {
    for n in [7, 12, 13, 17, 18, 19, 21, 22, 24, 25, 27, -1] {
        let err = Method::from_number(n).unwrap_err();
        assert!(err.contains(&format!("method {n}")), "{err}");
    }
    assert_eq!(Method::from_number(26), Ok(Method::SaferPlus));
}
