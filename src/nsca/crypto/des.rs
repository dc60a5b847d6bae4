//! DES and triple DES (EDE, three keys), table-driven for speed.
//!
//! CFB-8 runs the block cipher once per byte, so a 10,000-result batch
//! means 43 million DES blocks: the `des` crate's bit-sliced rounds made the
//! client slower than the daemon it feeds. Here each round is eight lookups
//! in tables that merge the S-boxes with the P permutation, and the initial
//! and final permutations are five swap-moves each. All tables are built
//! at compile time from the standard's tables (FIPS 46-3); the `des` crate
//! stays as the reference the tests compare against.

use super::BlockEncrypt;

/// Initial permutation: output bit i (1-based, MSB first) is input bit IP[i].
/// Only the tests use it, to check the swap-moves that compute it.
#[cfg(test)]
const IP: [u8; 64] = [
    58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6,
    64, 56, 48, 40, 32, 24, 16, 8, 57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61,
    53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
];
const P: [u8; 32] = [
    16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19,
    13, 30, 6, 22, 11, 4, 25,
];
const PC1: [u8; 56] = [
    57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60,
    52, 44, 36, 63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29,
    21, 13, 5, 28, 20, 12, 4,
];
const PC2: [u8; 48] = [
    14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, 41, 52,
    31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];
const SHIFTS: [u32; 16] = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];

/// S1..S8, each four rows of 16.
const S: [[u8; 64]; 8] = [
    [
        14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12,
        11, 9, 5, 3, 8, 4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9,
        1, 7, 5, 11, 3, 14, 10, 0, 6, 13,
    ],
    [
        15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1,
        10, 6, 9, 11, 5, 0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15,
        4, 2, 11, 6, 7, 12, 0, 5, 14, 9,
    ],
    [
        10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5,
        14, 12, 11, 15, 1, 13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6,
        9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12,
    ],
    [
        7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2,
        12, 1, 10, 14, 9, 10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1,
        13, 8, 9, 4, 5, 11, 12, 7, 2, 14,
    ],
    [
        2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15,
        10, 3, 9, 8, 6, 4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14,
        2, 13, 6, 15, 0, 9, 10, 4, 5, 3,
    ],
    [
        12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13,
        14, 0, 11, 3, 8, 9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5,
        15, 10, 11, 14, 1, 7, 6, 0, 8, 13,
    ],
    [
        4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5,
        12, 2, 15, 8, 6, 1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4,
        10, 7, 9, 5, 0, 15, 14, 2, 3, 12,
    ],
    [
        13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6,
        11, 0, 14, 9, 2, 7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10,
        8, 13, 15, 12, 9, 0, 3, 5, 6, 11,
    ],
];

/// Applies a DES permutation table to the low `width` bits of `input`
/// (bit 1 = the most significant of them).
const fn permute(input: u64, width: u32, table: &[u8]) -> u64 {
    let mut out = 0;
    let mut i = 0;
    while i < table.len() {
        let bit = (input >> (width - table[i] as u32)) & 1;
        out = (out << 1) | bit;
        i += 1;
    }
    out
}

/// SP[i][x]: S-box i on the 6-bit input x, its 4 output bits in their place
/// in the 32-bit word, then P.
const SP: [[u32; 64]; 8] = {
    let mut sp = [[0u32; 64]; 8];
    let mut i = 0;
    while i < 8 {
        let mut x = 0;
        while x < 64 {
            let row = ((x >> 4) & 2) | (x & 1);
            let column = (x >> 1) & 0xf;
            let out = (S[i][row * 16 + column] as u64) << (28 - 4 * i);
            sp[i][x] = permute(out, 32, &P) as u32;
            x += 1;
        }
        i += 1;
    }
    sp
};

/// One swap-move: the bits of `a >> shift` and `b` under `mask` trade places.
fn swap_move(a: &mut u32, b: &mut u32, shift: u32, mask: u32) {
    let t = ((*a >> shift) ^ *b) & mask;
    *b ^= t;
    *a ^= t << shift;
}

/// The initial permutation as five swap-moves on the halves (the classic
/// decomposition of IP; the tests check it against the table).
fn initial_permutation(mut l: u32, mut r: u32) -> (u32, u32) {
    swap_move(&mut l, &mut r, 4, 0x0f0f_0f0f);
    swap_move(&mut l, &mut r, 16, 0x0000_ffff);
    swap_move(&mut r, &mut l, 2, 0x3333_3333);
    swap_move(&mut r, &mut l, 8, 0x00ff_00ff);
    swap_move(&mut l, &mut r, 1, 0x5555_5555);
    (l, r)
}

/// The final permutation, IP's inverse: the same swap-moves backwards.
fn final_permutation(mut l: u32, mut r: u32) -> (u32, u32) {
    swap_move(&mut l, &mut r, 1, 0x5555_5555);
    swap_move(&mut r, &mut l, 8, 0x00ff_00ff);
    swap_move(&mut r, &mut l, 2, 0x3333_3333);
    swap_move(&mut l, &mut r, 16, 0x0000_ffff);
    swap_move(&mut l, &mut r, 4, 0x0f0f_0f0f);
    (l, r)
}

/// The 16 round keys. Each holds the eight 6-bit groups the S-boxes take,
/// packed one per byte the way [`f`] lines up the right half: groups
/// 0, 2, 4, 6 in the first word, groups 7, 1, 3, 5 in the second.
type RoundKeys = [[u32; 2]; 16];

fn round_keys(key: &[u8]) -> RoundKeys {
    let key = u64::from_be_bytes(key.try_into().expect("DES keys are 8 bytes"));
    let cd = permute(key, 64, &PC1);
    let (mut c, mut d) = ((cd >> 28) as u32, (cd & 0x0fff_ffff) as u32);
    let rotate = |half: u32, by: u32| ((half << by) | (half >> (28 - by))) & 0x0fff_ffff;
    let mut keys = [[0u32; 2]; 16];
    for (round, shift) in keys.iter_mut().zip(SHIFTS) {
        c = rotate(c, shift);
        d = rotate(d, shift);
        let k = permute((u64::from(c) << 28) | u64::from(d), 56, &PC2);
        let group = |i: u32| ((k >> (42 - 6 * i)) & 0x3f) as u32;
        round[0] = group(0) << 24 | group(2) << 16 | group(4) << 8 | group(6);
        round[1] = group(7) << 24 | group(1) << 16 | group(3) << 8 | group(5);
    }
    keys
}

/// The round function: E, key, S-boxes and P in eight lookups.
///
/// Group i of E(r) is bits 4i..4i+5 of r (1-based, wrapping), which is
/// `r.rotate_right(27 - 4i) & 0x3f`: rotating r right by 3 puts the even
/// groups at bits 24, 16, 8, 0, and by 7 the odd ones (group 7 at the top).
fn f(r: u32, key: &[u32; 2]) -> u32 {
    let even = r.rotate_right(3) ^ key[0];
    let odd = r.rotate_right(7) ^ key[1];
    let at = |word: u32, shift: u32| ((word >> shift) & 0x3f) as usize;
    SP[0][at(even, 24)]
        ^ SP[2][at(even, 16)]
        ^ SP[4][at(even, 8)]
        ^ SP[6][at(even, 0)]
        ^ SP[7][at(odd, 24)]
        ^ SP[1][at(odd, 16)]
        ^ SP[3][at(odd, 8)]
        ^ SP[5][at(odd, 0)]
}

/// Sixteen rounds on the halves, with the keys in the order given.
fn rounds(mut l: u32, mut r: u32, keys: &RoundKeys) -> (u32, u32) {
    for key in keys {
        (l, r) = (r, l ^ f(r, key));
    }
    // The standard ends without the last swap.
    (r, l)
}

/// Single or triple DES, as passes of 16 rounds between one initial and one
/// final permutation (those cancel between passes). A decrypting pass is
/// the same rounds with the keys reversed.
pub(super) struct Des {
    passes: Vec<RoundKeys>,
}

impl Des {
    /// DES with an 8-byte key.
    pub(super) fn single(key: &[u8]) -> Des {
        Des {
            passes: vec![round_keys(key)],
        }
    }

    /// Triple DES, encrypt-decrypt-encrypt with a 24-byte key (K1, K2, K3).
    pub(super) fn triple(key: &[u8]) -> Des {
        let mut decrypting = round_keys(&key[8..16]);
        decrypting.reverse();
        Des {
            passes: vec![round_keys(&key[..8]), decrypting, round_keys(&key[16..24])],
        }
    }

    /// The encrypted block as its big-endian halves.
    fn encrypt(&self, block: &[u8]) -> (u32, u32) {
        let half = |at: usize| {
            u32::from_be_bytes([block[at], block[at + 1], block[at + 2], block[at + 3]])
        };
        let (mut l, mut r) = initial_permutation(half(0), half(4));
        for keys in &self.passes {
            (l, r) = rounds(l, r, keys);
        }
        final_permutation(l, r)
    }
}

impl BlockEncrypt for Des {
    fn block_size(&self) -> usize {
        8
    }

    fn encrypt_block(&self, block: &mut [u8]) {
        let (l, r) = self.encrypt(block);
        block[..4].copy_from_slice(&l.to_be_bytes());
        block[4..].copy_from_slice(&r.to_be_bytes());
    }

    fn encrypt_first_byte(&self, block: &[u8]) -> u8 {
        (self.encrypt(block).0 >> 24) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cipher::{BlockCipherEncrypt, KeyInit};

    /// A simple deterministic byte stream for keys and blocks.
    fn bytes(seed: u64, n: usize) -> Vec<u8> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn every_s_box_row_is_a_permutation() {
        for sbox in &S {
            for row in sbox.chunks(16) {
                let mut seen = [false; 16];
                row.iter().for_each(|&v| seen[v as usize] = true);
                assert!(seen.iter().all(|&s| s));
            }
        }
    }

    #[test]
    fn swap_moves_are_the_initial_and_final_permutations() {
        let fp: [u8; 64] = std::array::from_fn(|i| {
            IP.iter()
                .position(|&from| usize::from(from) == i + 1)
                .unwrap() as u8
                + 1
        });
        let join = |(l, r): (u32, u32)| (u64::from(l) << 32) | u64::from(r);
        let inputs = (0..64)
            .map(|bit| 1u64 << bit)
            .chain((1..2000).map(|seed| u64::from_be_bytes(bytes(seed, 8).try_into().unwrap())));
        for x in inputs {
            let (l, r) = ((x >> 32) as u32, x as u32);
            assert_eq!(
                join(initial_permutation(l, r)),
                permute(x, 64, &IP),
                "{x:#x}"
            );
            assert_eq!(join(final_permutation(l, r)), permute(x, 64, &fp), "{x:#x}");
        }
    }

    #[test]
    fn matches_the_des_crate() {
        for seed in 1..200 {
            let key = bytes(seed, 24);
            let mut block = bytes(seed * 7919, 8);
            let mut reference = des::cipher::Block::<des::Des>::try_from(&block[..]).unwrap();
            des::Des::new_from_slice(&key[..8])
                .unwrap()
                .encrypt_block(&mut reference);
            let mut triple = block.clone();
            Des::single(&key[..8]).encrypt_block(&mut block);
            assert_eq!(block, reference.to_vec(), "DES seed {seed}");

            let mut reference = des::cipher::Block::<des::TdesEde3>::try_from(&triple[..]).unwrap();
            des::TdesEde3::new_from_slice(&key)
                .unwrap()
                .encrypt_block(&mut reference);
            Des::triple(&key).encrypt_block(&mut triple);
            assert_eq!(triple, reference.to_vec(), "3DES seed {seed}");
        }
    }
}
