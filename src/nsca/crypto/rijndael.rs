//! Rijndael with 192- and 256-bit blocks (libmcrypt's rijndael-192 and
//! rijndael-256), which is not AES: AES fixed the block at 128 bits.
//! NSCA always pads the key to 32 bytes, so Nk = 8 and there are 14 rounds.

//!
//! Each round is one T-table lookup per byte: the tables merge SubBytes and
//! MixColumns, and the lookups pick their bytes with ShiftRows' offsets.
//! Columns are little-endian `u32`s (row 0 in the low byte), as they sit in
//! the block.

use super::BlockEncrypt;

const ROUNDS: usize = 14;
const KEY_WORDS: usize = 8;

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

/// T-table of row 0: SBOX[x] run through MixColumns as column (2s, s, s, 3s).
/// Rows 1-3 use the same entries rotated by 8, 16 and 24 bits.
const T0: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut x = 0;
    while x < 256 {
        let s = SBOX[x];
        table[x] = u32::from_le_bytes([xtime(s), s, s, xtime(s) ^ s]);
        x += 1;
    }
    table
};
const T1: [u32; 256] = rotated(8);
const T2: [u32; 256] = rotated(16);
const T3: [u32; 256] = rotated(24);

const fn rotated(bits: u32) -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut x = 0;
    while x < 256 {
        table[x] = T0[x].rotate_left(bits);
        x += 1;
    }
    table
}

/// Rijndael with a block of `N` 4-byte columns (6 or 8); generic so the
/// ShiftRows offsets are constants and the loops unroll.
pub(super) struct Rijndael<const N: usize> {
    round_keys: [[u32; N]; ROUNDS + 1],
}

impl<const N: usize> Rijndael<N> {
    /// Left shift of rows 1-3: (1, 2, 3) for 6 columns, (1, 3, 4) for 8.
    const SHIFTS: [usize; 3] = if N == 8 { [1, 3, 4] } else { [1, 2, 3] };

    /// `key` is 32 bytes.
    pub(super) fn new(key: &[u8]) -> Rijndael<N> {
        assert!(N == 6 || N == 8, "Rijndael here has 6 or 8 columns");
        let sub_word = |w: u32| u32::from_le_bytes(w.to_le_bytes().map(|b| SBOX[b as usize]));
        let mut words: Vec<u32> = key
            .chunks_exact(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let mut rcon = 1u8;
        for i in KEY_WORDS..N * (ROUNDS + 1) {
            let mut temp = words[i - 1];
            if i % KEY_WORDS == 0 {
                // RotWord moves byte 1 to byte 0: a right rotation of the LE word.
                temp = sub_word(temp.rotate_right(8)) ^ u32::from(rcon);
                rcon = xtime(rcon);
            } else if i % KEY_WORDS == 4 {
                temp = sub_word(temp);
            }
            words.push(words[i - KEY_WORDS] ^ temp);
        }
        let mut round_keys = [[0u32; N]; ROUNDS + 1];
        for (keys, chunk) in round_keys.iter_mut().zip(words.chunks_exact(N)) {
            keys.copy_from_slice(chunk);
        }
        Rijndael { round_keys }
    }

    /// Rounds 0 to 13 (all but the final one, which has no MixColumns).
    fn rounds(&self, block: &[u8]) -> [u32; N] {
        let mut state = [0u32; N];
        for ((column, bytes), key) in state
            .iter_mut()
            .zip(block.chunks_exact(4))
            .zip(&self.round_keys[0])
        {
            *column = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) ^ key;
        }
        let [s1, s2, s3] = Self::SHIFTS;
        for keys in &self.round_keys[1..ROUNDS] {
            let a = state;
            for c in 0..N {
                state[c] = T0[(a[c] & 0xff) as usize]
                    ^ T1[((a[(c + s1) % N] >> 8) & 0xff) as usize]
                    ^ T2[((a[(c + s2) % N] >> 16) & 0xff) as usize]
                    ^ T3[(a[(c + s3) % N] >> 24) as usize]
                    ^ keys[c];
            }
        }
        state
    }
}

impl<const N: usize> BlockEncrypt for Rijndael<N> {
    fn block_size(&self) -> usize {
        N * 4
    }

    fn encrypt_block(&self, block: &mut [u8]) {
        let a = self.rounds(block);
        let [s1, s2, s3] = Self::SHIFTS;
        let sbox = |word: u32, shift: u32| u32::from(SBOX[((word >> shift) & 0xff) as usize]);
        for (c, out) in block.chunks_exact_mut(4).enumerate() {
            let column = sbox(a[c], 0)
                | sbox(a[(c + s1) % N], 8) << 8
                | sbox(a[(c + s2) % N], 16) << 16
                | sbox(a[(c + s3) % N], 24) << 24;
            out.copy_from_slice(&(column ^ self.round_keys[ROUNDS][c]).to_le_bytes());
        }
    }

    fn encrypt_first_byte(&self, block: &[u8]) -> u8 {
        // Byte 0 of the output comes from byte 0 of column 0 alone.
        SBOX[(self.rounds(block)[0] & 0xff) as usize] ^ self.round_keys[ROUNDS][0] as u8
    }
}

/// The byte-wise implementation this one replaced, kept to compare against.
#[cfg(test)]
mod reference {
    use super::{BlockEncrypt, KEY_WORDS, ROUNDS, SBOX, xtime};

    const MAX_COLUMNS: usize = 8;

    /// The block as columns of 4 bytes; only the first `columns` are used.
    type State = [[u8; 4]; MAX_COLUMNS];

    /// Rijndael with a block of `columns` 4-byte columns (6 or 8).
    pub(super) struct Rijndael {
        columns: usize,
        /// How far each row shifts left: (1, 2, 3) for 6 columns, (1, 3, 4) for 8.
        shifts: [usize; 4],
        round_keys: Vec<[u8; 4]>,
    }

    impl Rijndael {
        /// `key` is 32 bytes; `block_bytes` is 24 or 32.
        pub(super) fn new(key: &[u8], block_bytes: usize) -> Rijndael {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compare<const N: usize>() {
        let key: Vec<u8> = (0..32).map(|i| (i * 37 + 5) as u8).collect();
        let fast = Rijndael::<N>::new(&key);
        let slow = reference::Rijndael::new(&key, N * 4);
        let mut block: Vec<u8> = (0..N * 4).map(|i| i as u8).collect();
        for _ in 0..3000 {
            let mut expected = block.clone();
            slow.encrypt_block(&mut expected);
            assert_eq!(fast.encrypt_first_byte(&block), expected[0]);
            fast.encrypt_block(&mut block);
            assert_eq!(block, expected);
        }
    }

    #[test]
    fn t_tables_match_the_bytewise_rijndael_192() {
        compare::<6>();
    }

    #[test]
    fn t_tables_match_the_bytewise_rijndael_256() {
        compare::<8>();
    }
}
