//! The keys of an import file seen so far, to name a key repeated within the file with the
//! row it was first seen at, in memory that stays flat on any file size.
//!
//! The domain's one use of files: past [`KEYS_IN_MEMORY`] keys, they are kept in an
//! anonymous temporary file of their own (gone when the import ends, whatever happens).

use std::collections::HashMap;

/// Keys a [`Seen`] keeps in a hash map before it moves them to a file of its own.
pub const KEYS_IN_MEMORY: usize = 1 << 19;

/// Keys of a run on disk between two entries of its index in memory.
const RUN_STRIDE: usize = 128;

/// One key on disk: its hash and its first row, little-endian.
const RECORD: usize = 12;

/// Keeps the first row at which each key was seen and reports repeats. Keys are kept as
/// 64-bit hashes of their lower case; two different keys share a hash about once in 10^19
/// pairs. Up to [`KEYS_IN_MEMORY`] keys are kept in a hash map. When it is full, its keys
/// are sorted and written as a run to an anonymous temporary file, indexed in memory one
/// key in [`RUN_STRIDE`], and set in a fixed-size filter (64 MB) that tells a new key
/// from one that may be in a run; the map is emptied for the next keys. Memory stays flat
/// on any file size, and a repeat is always known at its row: only a key the filter may
/// have seen is looked for in the runs (one read of 1.5 kB a run).
pub struct Seen {
    kept: usize,
    /// The filter's size once keys spill (see [`Filter`]).
    filter_log2: u32,
    small: HashMap<u64, u32>,
    large: Option<Box<Spilled>>,
}

impl Default for Seen {
    fn default() -> Seen {
        Seen::keeping(KEYS_IN_MEMORY)
    }
}

/// The hash [`Seen`] keeps of a key (its lower case): also how the store keeps the keys
/// already in the database.
pub fn key_hash(key: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for c in key.chars().flat_map(char::to_lowercase) {
        c.hash(&mut h);
    }
    h.finish()
}

/// The keys a [`Seen`] has written to its file.
struct Spilled {
    filter: Filter,
    file: std::fs::File,
    /// Bytes written.
    end: u64,
    runs: Vec<Run>,
}

/// Keys written in order of their hash, at `start` in the file.
struct Run {
    start: u64,
    keys: usize,
    /// The hash of every [`RUN_STRIDE`]th key.
    index: Vec<u64>,
}

impl Run {
    /// The row of `hash` in this run, if it is there.
    fn find(&self, file: &std::fs::File, hash: u64) -> std::io::Result<Option<u32>> {
        use std::os::unix::fs::FileExt;
        // The stride whose first key is the last at or below `hash`.
        let stride = match self.index.partition_point(|&h| h <= hash) {
            0 => return Ok(None),
            n => n - 1,
        };
        let first = stride * RUN_STRIDE;
        let keys = RUN_STRIDE.min(self.keys - first);
        let mut bytes = vec![0u8; keys * RECORD];
        file.read_exact_at(&mut bytes, self.start + (first * RECORD) as u64)?;
        Ok(bytes.chunks_exact(RECORD).find_map(|r| {
            (u64::from_le_bytes(r[..8].try_into().expect("8 bytes")) == hash)
                .then(|| u32::from_le_bytes(r[8..].try_into().expect("4 bytes")))
        }))
    }
}

/// A blocked Bloom filter: a key sets seven bits in one 512-bit block, so a look-up
/// touches one cache line. With 5 million keys it takes about one new key in two million
/// for one seen; with 50 million, one in 170.
struct Filter {
    blocks: Vec<[u64; 8]>,
    blocks_log2: u32,
}

impl Filter {
    /// 2^20 blocks of 64 bytes: 64 MB.
    const BLOCKS_LOG2: u32 = 20;

    fn new(blocks_log2: u32) -> Filter {
        Filter { blocks: vec![[0; 8]; 1 << blocks_log2], blocks_log2 }
    }

    /// The block of a hash and its seven bits in it (word, mask).
    fn bits(&self, hash: u64) -> (usize, [(usize, u64); 7]) {
        let at = hash.checked_shr(64 - self.blocks_log2).unwrap_or(0) as usize;
        // The bits within the block come from a remix of the hash (splitmix64's finaliser).
        let mut g = hash.wrapping_add(0x9E37_79B9_7F4A_7C15);
        g = (g ^ (g >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        g = (g ^ (g >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        g ^= g >> 31;
        let bits = std::array::from_fn(|i| {
            let bit = (g >> (i * 9)) & 511;
            ((bit >> 6) as usize, 1u64 << (bit & 63))
        });
        (at, bits)
    }

    fn insert(&mut self, hash: u64) {
        let (at, bits) = self.bits(hash);
        for (word, mask) in bits {
            self.blocks[at][word] |= mask;
        }
    }

    fn may_hold(&self, hash: u64) -> bool {
        let (at, bits) = self.bits(hash);
        bits.iter().all(|&(word, mask)| self.blocks[at][word] & mask != 0)
    }
}

impl Seen {
    /// A `Seen` that keeps `kept` keys in memory before it writes them to its file.
    pub fn keeping(kept: usize) -> Seen {
        Seen { kept: kept.max(1), filter_log2: Filter::BLOCKS_LOG2, small: HashMap::new(), large: None }
    }

    /// The row `key` was first seen at, if it was; else remembers `row` as its first.
    pub fn first(&mut self, key: &str, row: usize) -> Option<usize> {
        let hash = key_hash(key);
        // One look-up of the map for a new key (the common case), as before there were runs.
        match self.small.entry(hash) {
            std::collections::hash_map::Entry::Occupied(first) => return Some(*first.get() as usize),
            std::collections::hash_map::Entry::Vacant(slot) => {
                if let Some(large) = &self.large
                    && large.filter.may_hold(hash)
                {
                    for run in &large.runs {
                        match run.find(&large.file, hash) {
                            Ok(Some(first)) => return Some(first as usize),
                            Ok(None) => {}
                            // The file could not be read back: taken for a repeat (of an
                            // unknown row) rather than risk writing a key twice.
                            Err(_) => return Some(0),
                        }
                    }
                }
                slot.insert(u32::try_from(row).unwrap_or(u32::MAX));
            }
        }
        if self.small.len() >= self.kept {
            self.spill();
        }
        None
    }

    /// Writes the map's keys as a run, sorted, and empties the map (keeping its room).
    fn spill(&mut self) {
        use std::io::Write;
        if self.large.is_none() {
            match tempfile::tempfile() {
                Ok(file) => {
                    let filter = Filter::new(self.filter_log2);
                    self.large = Some(Box::new(Spilled { filter, file, end: 0, runs: Vec::new() }));
                }
                // With no place for a file the keys stay in memory.
                Err(_) => {
                    self.kept = usize::MAX;
                    return;
                }
            }
        }
        let large = self.large.as_mut().expect("spilled");
        let mut keys: Vec<(u64, u32)> = self.small.drain().collect();
        keys.sort_unstable();
        let written = (|| -> std::io::Result<()> {
            use std::io::Seek;
            large.file.seek(std::io::SeekFrom::Start(large.end))?;
            let mut out = std::io::BufWriter::with_capacity(1 << 16, &large.file);
            for (hash, row) in &keys {
                out.write_all(&hash.to_le_bytes())?;
                out.write_all(&row.to_le_bytes())?;
            }
            out.flush()
        })();
        if written.is_err() {
            // A full disk: the keys stay in memory from here on.
            self.small.extend(keys);
            self.kept = usize::MAX;
            return;
        }
        for (hash, _) in &keys {
            large.filter.insert(*hash);
        }
        let index = keys.iter().step_by(RUN_STRIDE).map(|(hash, _)| *hash).collect();
        large.runs.push(Run { start: large.end, keys: keys.len(), index });
        large.end += (keys.len() * RECORD) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key of `keys` (row 2 onwards): the repeats, with their first rows.
    fn repeats(seen: &mut Seen, keys: &[String]) -> Vec<(usize, usize)> {
        let found = keys.iter().enumerate().filter_map(|(i, key)| seen.first(key, i + 2).map(|first| (i + 2, first)));
        found.collect()
    }

    #[test]
    fn keys_past_what_memory_keeps_are_still_found_repeated_with_their_first_row() {
        let mut keys: Vec<String> = (0..20_000).map(|i| format!("T{i:06}")).collect();
        // Repeats, in another case: of a key in the first run, of one in a later run, of
        // one still in memory, and of a repeat.
        keys.extend(["t000005", "T015000", "T019990", "T015000"].map(String::from));
        let expected = vec![(20_002, 7), (20_003, 15_002), (20_004, 19_992), (20_005, 15_002)];
        assert_eq!(repeats(&mut Seen::default(), &keys), expected, "all in memory");
        let mut spilled = Seen::keeping(300);
        assert_eq!(repeats(&mut spilled, &keys), expected, "in runs of 300 keys");
        let large = spilled.large.as_ref().unwrap();
        assert_eq!(large.runs.len(), 20_000 / 300);
        assert!(spilled.small.len() < 300);
    }

    #[test]
    fn a_filter_that_takes_every_key_for_a_possible_repeat_still_finds_only_the_real_ones() {
        // One block of 512 bits: after a few hundred keys every new key may have been
        // seen, and is looked for in every run.
        let mut seen = Seen::keeping(64);
        seen.filter_log2 = 0;
        let mut keys: Vec<String> = (0..5_000).map(|i| format!("F{i}")).collect();
        keys.extend(["F4321", "F1", "f0"].map(String::from));
        assert_eq!(repeats(&mut seen, &keys), vec![(5_002, 4_323), (5_003, 3), (5_004, 2)]);
    }
}
