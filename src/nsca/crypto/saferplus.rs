//! SAFER+ (Cylink; an AES candidate) as libmcrypt runs it: 256-bit key,
//! 16 rounds, with the 32-bit words of the block and of the key taken in
//! reverse order.

use super::BlockEncrypt;

const ROUNDS: usize = 16;
const KEY_BYTES: usize = 32;

/// exp[i] = 45^i mod 257 (256 stored as 0) and its inverse.
const EXP: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut value: u32 = 1;
    let mut i = 0;
    while i < 256 {
        table[i] = (value & 0xff) as u8;
        value = value * 45 % 257;
        i += 1;
    }
    table
};
const LOG: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        table[EXP[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Bytes 0 and 3 of every 4 take "exp after XOR, then add"; bytes 1 and 2
/// "log after add, then XOR".
fn is_xor_byte(i: usize) -> bool {
    matches!(i % 4, 0 | 3)
}

/// The four pseudo-Hadamard layers with the Armenian shuffle folded into
/// their pairs: for (a, b), x[b] += x[a] then x[a] += x[b].
const PHT_LAYERS: [[(usize, usize); 8]; 4] = [
    [
        (0, 1),
        (2, 3),
        (4, 5),
        (6, 7),
        (8, 9),
        (10, 11),
        (12, 13),
        (14, 15),
    ],
    [
        (0, 7),
        (2, 1),
        (4, 3),
        (6, 5),
        (8, 11),
        (10, 9),
        (12, 15),
        (14, 13),
    ],
    [
        (0, 3),
        (2, 15),
        (4, 7),
        (6, 1),
        (8, 5),
        (10, 13),
        (12, 11),
        (14, 9),
    ],
    [
        (0, 13),
        (2, 5),
        (4, 9),
        (6, 11),
        (8, 15),
        (10, 1),
        (12, 3),
        (14, 7),
    ],
];
/// The shuffle that ends a round: new[i] = old[SHUFFLE[i]].
const SHUFFLE: [usize; 16] = [14, 7, 8, 15, 0, 13, 6, 11, 4, 9, 2, 5, 10, 1, 12, 3];

/// Reverses the order of the 32-bit words, keeping each word's bytes.
fn reverse_words(bytes: &mut [u8]) {
    bytes.reverse();
    super::swap_words(bytes);
}

pub struct SaferPlus {
    /// 2 * ROUNDS + 1 subkeys of 16 bytes.
    subkeys: Vec<[u8; 16]>,
}

impl SaferPlus {
    /// `key` is 32 bytes.
    pub fn new(key: &[u8]) -> SaferPlus {
        let mut register = [0u8; KEY_BYTES + 1];
        register[..KEY_BYTES].copy_from_slice(key);
        reverse_words(&mut register[..KEY_BYTES]);
        register[KEY_BYTES] = register[..KEY_BYTES].iter().fold(0, |a, b| a ^ b);

        let mut first = [0u8; 16];
        first.copy_from_slice(&register[..16]);
        let mut subkeys = vec![first];
        for i in 0..KEY_BYTES {
            for byte in register.iter_mut() {
                *byte = byte.rotate_left(3);
            }
            let mut subkey = [0u8; 16];
            for (j, out) in subkey.iter_mut().enumerate() {
                let index = (17 * i + 35 + j) & 0xff;
                let bias = if i < 16 {
                    EXP[EXP[index] as usize]
                } else {
                    EXP[index]
                };
                *out = register[(i + 1 + j) % (KEY_BYTES + 1)].wrapping_add(bias);
            }
            subkeys.push(subkey);
        }
        SaferPlus { subkeys }
    }

    fn round(x: &mut [u8; 16], k1: &[u8; 16], k2: &[u8; 16]) {
        for i in 0..16 {
            x[i] = if is_xor_byte(i) {
                EXP[(x[i] ^ k1[i]) as usize].wrapping_add(k2[i])
            } else {
                LOG[x[i].wrapping_add(k1[i]) as usize] ^ k2[i]
            };
        }
        for layer in &PHT_LAYERS {
            for &(a, b) in layer {
                x[b] = x[b].wrapping_add(x[a]);
                x[a] = x[a].wrapping_add(x[b]);
            }
        }
        let before = *x;
        for (out, &from) in x.iter_mut().zip(&SHUFFLE) {
            *out = before[from];
        }
    }
}

impl BlockEncrypt for SaferPlus {
    fn block_size(&self) -> usize {
        16
    }

    fn encrypt_block(&self, block: &mut [u8]) {
        let mut x = [0u8; 16];
        x.copy_from_slice(block);
        reverse_words(&mut x);
        for r in 0..ROUNDS {
            Self::round(&mut x, &self.subkeys[2 * r], &self.subkeys[2 * r + 1]);
        }
        let last = &self.subkeys[2 * ROUNDS];
        for i in 0..16 {
            x[i] = if is_xor_byte(i) {
                x[i] ^ last[i]
            } else {
                x[i].wrapping_add(last[i])
            };
        }
        reverse_words(&mut x);
        block.copy_from_slice(&x);
    }
}
