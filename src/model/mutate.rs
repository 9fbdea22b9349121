//! Damaged copies of a valid text, for the robustness tests of every loader: truncations,
//! flipped bytes, inserted and deleted runs. Deterministic per seed, so a failure can be
//! replayed.

/// `count` damaged copies of `text`, each valid UTF-8.
pub fn damaged(text: &str, count: usize, seed: u64) -> Vec<String> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let bytes = text.as_bytes();
    let noise: &[u8] = b"{}[]\":,\\ \n0123456789-.eE+truefalsenul\x00\x1b\xff\xfe";
    (0..count)
        .map(|_| {
            let mut b = bytes.to_vec();
            for _ in 0..rng.usize(1..=4) {
                let at = rng.usize(0..=b.len());
                match rng.u8(0..4) {
                    0 => b.truncate(at),
                    1 if at < b.len() => b[at] = noise[rng.usize(0..noise.len())],
                    2 => {
                        let run: Vec<u8> = (0..rng.usize(1..8))
                            .map(|_| noise[rng.usize(0..noise.len())])
                            .collect();
                        b.splice(at..at, run);
                    }
                    _ => {
                        let end = (at + rng.usize(1..16)).min(b.len());
                        b.drain(at..end);
                    }
                }
            }
            String::from_utf8_lossy(&b).into_owned()
        })
        .collect()
}
