//! Rijndael with 192- and 256-bit blocks (libmcrypt's rijndael-192 and
//! rijndael-256), which is not AES: AES fixed the block at 128 bits.
//! NSCA always pads the key to 32 bytes, so Nk = 8 and there are 14 rounds.

use super::BlockEncrypt;

const ROUNDS: usize = 14;
const KEY_WORDS: usize = 8;
const MAX_COLUMNS: usize = 8;

/// The block as columns of 4 bytes; only the first `columns` are used.
type State = [[u8; 4]; MAX_COLUMNS];

/// The AES S-box: multiplicative inverse in GF(2^8), then the affine map.
const SBOX: [u8; 256] = {
    let mut sbox = [0u8; 256];
    let mut x = 0;
    while x < 256 {
        let inv = gf_pow(x as u8, 254);
        let mut s = inv;
        let mut shift = 1;
        while shift <= 4 {
            s ^= inv.rotate_left(shift);
            shift += 1;
        }
        sbox[x] = s ^ 0x63;
        x += 1;
    }
    sbox
};

const fn xtime(a: u8) -> u8 {
    (a << 1) ^ if a & 0x80 != 0 { 0x1b } else { 0 }
}

const fn gf_mul(mut a: u8, mut b: u8) -> u8 {
    let mut product = 0;
    while b != 0 {
        if b & 1 != 0 {
            product ^= a;
        }
        a = xtime(a);
        b >>= 1;
    }
    product
}

const fn gf_pow(a: u8, mut e: u32) -> u8 {
    let mut result = 1u8;
    let mut base = a;
    while e != 0 {
        if e & 1 != 0 {
            result = gf_mul(result, base);
        }
        base = gf_mul(base, base);
        e >>= 1;
    }
    result
}

/// Rijndael with a block of `columns` 4-byte columns (6 or 8).
pub struct Rijndael {
    columns: usize,
    /// How far each row shifts left: (1, 2, 3) for 6 columns, (1, 3, 4) for 8.
    shifts: [usize; 4],
    round_keys: Vec<[u8; 4]>,
}

impl Rijndael {
    /// `key` is 32 bytes; `block_bytes` is 24 or 32.
    pub fn new(key: &[u8], block_bytes: usize) -> Rijndael {
        let columns = block_bytes / 4;
        let shifts = if columns == 8 {
            [0, 1, 3, 4]
        } else {
            [0, 1, 2, 3]
        };
        let total = columns * (ROUNDS + 1);
        let mut words: Vec<[u8; 4]> = key
            .chunks_exact(4)
            .map(|w| [w[0], w[1], w[2], w[3]])
            .collect();
        let mut rcon = 1u8;
        for i in KEY_WORDS..total {
            let mut temp = words[i - 1];
            if i % KEY_WORDS == 0 {
                temp.rotate_left(1);
                temp = temp.map(|b| SBOX[b as usize]);
                temp[0] ^= rcon;
                rcon = xtime(rcon);
            } else if i % KEY_WORDS == 4 {
                temp = temp.map(|b| SBOX[b as usize]);
            }
            let back = words[i - KEY_WORDS];
            words.push([0, 1, 2, 3].map(|r| back[r] ^ temp[r]));
        }
        Rijndael {
            columns,
            shifts,
            round_keys: words,
        }
    }

    fn add_round_key(&self, state: &mut State, round: usize) {
        let keys = &self.round_keys[round * self.columns..(round + 1) * self.columns];
        for (column, key) in state.iter_mut().zip(keys) {
            for row in 0..4 {
                column[row] ^= key[row];
            }
        }
    }

    fn sub_and_shift(&self, state: &mut State) {
        let before = *state;
        for (c, column) in state[..self.columns].iter_mut().enumerate() {
            for (row, byte) in column.iter_mut().enumerate() {
                let mut from = c + self.shifts[row];
                if from >= self.columns {
                    from -= self.columns;
                }
                *byte = SBOX[before[from][row] as usize];
            }
        }
    }
}

fn mix_column(column: &mut [u8; 4]) {
    let a = *column;
    for row in 0..4 {
        // 2·a[row] + 3·a[row+1] + a[row+2] + a[row+3], with 3·x = 2·x + x.
        let next = a[(row + 1) % 4];
        column[row] = xtime(a[row]) ^ xtime(next) ^ next ^ a[(row + 2) % 4] ^ a[(row + 3) % 4];
    }
}

impl BlockEncrypt for Rijndael {
    fn block_size(&self) -> usize {
        self.columns * 4
    }

    fn encrypt_block(&self, block: &mut [u8]) {
        let mut state: State = [[0; 4]; MAX_COLUMNS];
        for (column, bytes) in state.iter_mut().zip(block.chunks_exact(4)) {
            column.copy_from_slice(bytes);
        }
        self.add_round_key(&mut state, 0);
        for round in 1..=ROUNDS {
            self.sub_and_shift(&mut state);
            if round != ROUNDS {
                state[..self.columns].iter_mut().for_each(mix_column);
            }
            self.add_round_key(&mut state, round);
        }
        for (out, column) in block.chunks_exact_mut(4).zip(&state) {
            out.copy_from_slice(column);
        }
    }
}
