//! Twofish with a 256-bit key and "full keying": the key-dependent S-boxes
//! and the MDS matrix are folded into four 256-entry tables once per key.
//!
//! The `twofish` crate recomputes them for every block (about 7 µs), which
//! made CFB-8 take 30 ms per packet; it stays as the reference the tests
//! compare against. Constants are the specification's (Schneier et al.).

use super::BlockEncrypt;

/// The 4-bit permutations t0..t3 of q0 and of q1.
const T: [[[u8; 16]; 4]; 2] = [
    [
        [8, 1, 7, 13, 6, 15, 3, 2, 0, 11, 5, 9, 14, 12, 10, 4],
        [14, 12, 11, 8, 1, 2, 3, 5, 15, 4, 10, 6, 7, 0, 9, 13],
        [11, 10, 5, 14, 6, 13, 9, 0, 12, 8, 15, 3, 2, 4, 7, 1],
        [13, 7, 15, 4, 1, 2, 6, 14, 9, 11, 3, 0, 8, 5, 12, 10],
    ],
    [
        [2, 8, 11, 13, 15, 7, 6, 14, 3, 1, 9, 4, 0, 10, 12, 5],
        [1, 14, 2, 11, 4, 12, 3, 7, 6, 13, 10, 5, 15, 9, 0, 8],
        [4, 12, 7, 5, 1, 6, 9, 10, 0, 14, 13, 8, 2, 11, 3, 15],
        [11, 9, 5, 1, 12, 3, 13, 14, 6, 4, 7, 15, 2, 0, 8, 10],
    ],
];

/// A 4-bit value rotated right by one.
const fn ror1(b: u8) -> u8 {
    ((b >> 1) | (b << 3)) & 15
}

const fn q_byte(t: &[[u8; 16]; 4], x: u8) -> u8 {
    let (a0, b0) = (x >> 4, x & 15);
    let (a1, b1) = (a0 ^ b0, a0 ^ ror1(b0) ^ ((a0 << 3) & 15));
    let (a2, b2) = (t[0][a1 as usize], t[1][b1 as usize]);
    let (a3, b3) = (a2 ^ b2, a2 ^ ror1(b2) ^ ((a2 << 3) & 15));
    let (a4, b4) = (t[2][a3 as usize], t[3][b3 as usize]);
    (b4 << 4) | a4
}

/// q0 and q1 as byte tables.
const Q: [[u8; 256]; 2] = {
    let mut q = [[0u8; 256]; 2];
    let mut i = 0;
    while i < 2 {
        let mut x = 0;
        while x < 256 {
            q[i][x] = q_byte(&T[i], x as u8);
            x += 1;
        }
        i += 1;
    }
    q
};

/// Which q each byte of h goes through, step by step: ORDER[byte][step].
const ORDER: [[usize; 5]; 4] = [
    [1, 1, 0, 0, 1],
    [0, 1, 1, 0, 0],
    [0, 0, 0, 1, 1],
    [1, 0, 1, 1, 0],
];

const fn gf_mul(mut a: u8, mut b: u8, poly: u16) -> u8 {
    let mut product = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            product ^= a;
        }
        let carry = a & 0x80 != 0;
        a <<= 1;
        if carry {
            a ^= (poly & 0xff) as u8;
        }
        b >>= 1;
    }
    product
}

const MDS: [[u8; 4]; 4] = [
    [0x01, 0xef, 0x5b, 0x5b],
    [0x5b, 0xef, 0xef, 0x01],
    [0xef, 0x5b, 0x01, 0xef],
    [0xef, 0x01, 0xef, 0x5b],
];
const RS: [[u8; 8]; 4] = [
    [0x01, 0xa4, 0x55, 0x87, 0x5a, 0x58, 0xdb, 0x9e],
    [0xa4, 0x56, 0x82, 0xf3, 0x1e, 0xc6, 0x68, 0xe5],
    [0x02, 0xa1, 0xfc, 0xc1, 0x47, 0xae, 0x3d, 0x19],
    [0xa4, 0x55, 0x87, 0x5a, 0x58, 0xdb, 0x9e, 0x03],
];

/// Column `column` of MDS times `x`, as a little-endian word.
fn mds_column(x: u8, column: usize) -> u32 {
    let bytes = [0, 1, 2, 3].map(|row| gf_mul(MDS[row][column], x, 0x169));
    u32::from_le_bytes(bytes)
}

/// h for one byte position: through the q chain, XORing in byte `y` of each
/// key word in `words` in turn, then through MDS.
fn h_byte(x: u8, y: usize, words: &[u32; 4]) -> u32 {
    let mut b = Q[ORDER[y][0]][x as usize];
    for (step, word) in words.iter().enumerate() {
        b = Q[ORDER[y][step + 1]][(b ^ word.to_le_bytes()[y]) as usize];
    }
    mds_column(b, y)
}

fn h(x: u32, words: &[u32; 4]) -> u32 {
    let bytes = x.to_le_bytes();
    (0..4).fold(0, |acc, y| acc ^ h_byte(bytes[y], y, words))
}

pub(super) struct Twofish {
    subkeys: [u32; 40],
    /// g(x) = G[0][byte 0] ^ G[1][byte 1] ^ G[2][byte 2] ^ G[3][byte 3].
    g_tables: Box<[[u32; 256]; 4]>,
}

impl Twofish {
    /// `key` is 32 bytes.
    pub(super) fn new(key: &[u8]) -> Twofish {
        let word = |i: usize| u32::from_le_bytes(key[4 * i..4 * i + 4].try_into().unwrap());
        // The key's even and odd words, in the order h uses them.
        let even = [word(6), word(4), word(2), word(0)];
        let odd = [word(7), word(5), word(3), word(1)];
        let mut subkeys = [0u32; 40];
        for i in 0..20u32 {
            let a = h(0x0101_0101 * (2 * i), &even);
            let b = h(0x0101_0101 * (2 * i + 1), &odd).rotate_left(8);
            subkeys[2 * i as usize] = a.wrapping_add(b);
            subkeys[2 * i as usize + 1] = a.wrapping_add(b).wrapping_add(b).rotate_left(9);
        }
        // S_i = RS times key bytes 8i..8i+8; g uses S_0 first.
        let s: [u32; 4] = std::array::from_fn(|i| {
            let bytes = [0, 1, 2, 3].map(|row| {
                (0..8).fold(0, |acc, j| acc ^ gf_mul(RS[row][j], key[8 * i + j], 0x14d))
            });
            u32::from_le_bytes(bytes)
        });
        let mut g_tables = Box::new([[0u32; 256]; 4]);
        for (y, table) in g_tables.iter_mut().enumerate() {
            for (x, entry) in table.iter_mut().enumerate() {
                *entry = h_byte(x as u8, y, &s);
            }
        }
        Twofish { subkeys, g_tables }
    }

    fn g(&self, x: u32) -> u32 {
        let t = &self.g_tables;
        t[0][(x & 0xff) as usize]
            ^ t[1][((x >> 8) & 0xff) as usize]
            ^ t[2][((x >> 16) & 0xff) as usize]
            ^ t[3][(x >> 24) as usize]
    }
}

impl BlockEncrypt for Twofish {
    fn block_size(&self) -> usize {
        16
    }

    fn encrypt_block(&self, block: &mut [u8]) {
        let k = &self.subkeys;
        let mut r: [u32; 4] = std::array::from_fn(|i| {
            u32::from_le_bytes(block[4 * i..4 * i + 4].try_into().unwrap()) ^ k[i]
        });
        for round in 0..16 {
            let t0 = self.g(r[0]);
            let t1 = self.g(r[1].rotate_left(8));
            let f0 = t0.wrapping_add(t1).wrapping_add(k[2 * round + 8]);
            let f1 = t0
                .wrapping_add(t1)
                .wrapping_add(t1)
                .wrapping_add(k[2 * round + 9]);
            let r2 = (r[2] ^ f0).rotate_right(1);
            let r3 = r[3].rotate_left(1) ^ f1;
            r = [r2, r3, r[0], r[1]];
        }
        // Undo the last swap, then output whitening.
        let out = [r[2] ^ k[4], r[3] ^ k[5], r[0] ^ k[6], r[1] ^ k[7]];
        for (chunk, w) in block.chunks_exact_mut(4).zip(out) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cipher::{BlockCipherEncrypt, KeyInit};

    #[test]
    fn matches_the_twofish_crate() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        };
        for _ in 0..50 {
            let key: Vec<u8> = (0..32).map(|_| next()).collect();
            let mut block: Vec<u8> = (0..16).map(|_| next()).collect();
            let mut reference =
                twofish::cipher::Block::<twofish::Twofish>::try_from(&block[..]).unwrap();
            twofish::Twofish::new_from_slice(&key)
                .unwrap()
                .encrypt_block(&mut reference);
            Twofish::new(&key).encrypt_block(&mut block);
            assert_eq!(block, reference.to_vec());
        }
    }
}
