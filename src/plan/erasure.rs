//! MinIO's erasure-coding arithmetic, as MinIO itself does it.
//!
//! The set-size choice mirrors `getSetIndexes`, `possibleSetCountsWithSymmetry` and
//! `commonSetDriveCount` in minio/minio `cmd/endpoint-ellipses.go`; drive order (servers
//! fastest) mirrors the ellipses expansion in minio/pkg. Quorum and tolerance follow
//! `cmd/erasure.go`. Pure functions, no IO: property tests pin the invariants below.

use thiserror::Error;

/// The erasure-set sizes MinIO allows.
pub const SET_SIZES: std::ops::RangeInclusive<u32> = 2..=16;

/// MinIO Operator v6 refuses pools with fewer drives (`Tenant.Validate`).
pub const MIN_POOL_DRIVES: u32 = 4;

/// Why a pool has no valid erasure layout.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LayoutError {
    /// Fewer drives than the operator accepts.
    #[error(
        "{drives} drives is fewer than the {MIN_POOL_DRIVES} MinIO Operator v6 requires per pool"
    )]
    TooFewDrives {
        /// Drives in the pool.
        drives: u32,
    },
    /// No set size from 2 to 16 divides the drive count.
    #[error("no erasure-set size from 2 to 16 divides {drives} drives")]
    NoSetSize {
        /// Drives in the pool.
        drives: u32,
    },
    /// Set sizes divide the drives, but none spreads evenly over the servers.
    #[error("no erasure-set size spreads {drives} drives evenly over {servers} servers")]
    NotSymmetric {
        /// Drives in the pool.
        drives: u32,
        /// Servers in the pool.
        servers: u32,
    },
    /// More parity than half the set.
    #[error(
        "parity {parity} is more than half of the {set_size}-drive erasure set (at most {max})"
    )]
    ParityTooLarge {
        /// Parity asked for.
        parity: u32,
        /// The pool's set size.
        set_size: u32,
        /// The largest parity the set allows.
        max: u32,
    },
}

/// Whether `set_size` spreads evenly over `servers`: one divides the other
/// (`possibleSetCountsWithSymmetry`, judged against the host ellipsis).
#[must_use]
pub fn symmetric(set_size: u32, servers: u32) -> bool {
    if servers > set_size {
        servers.is_multiple_of(set_size)
    } else {
        set_size.is_multiple_of(servers)
    }
}

/// The erasure-set size MinIO chooses for a pool of `servers` x `volumes_per_server` drives.
pub fn set_size(servers: u32, volumes_per_server: u32) -> Result<u32, LayoutError> {
    let drives = servers
        .checked_mul(volumes_per_server)
        .ok_or(LayoutError::NoSetSize { drives: u32::MAX })?;
    if drives < MIN_POOL_DRIVES {
        return Err(LayoutError::TooFewDrives { drives });
    }
    let divisors: Vec<u32> = SET_SIZES.filter(|s| drives % s == 0).collect();
    if divisors.is_empty() {
        return Err(LayoutError::NoSetSize { drives });
    }
    // The host ellipsis is the last pattern MinIO checks, so symmetry is judged against the
    // server count alone.
    let fitting: Vec<u32> = divisors
        .into_iter()
        .filter(|&s| symmetric(s, servers))
        .collect();
    // Fewer, bigger sets win: the largest symmetric divisor.
    fitting
        .last()
        .copied()
        .ok_or(LayoutError::NotSymmetric { drives, servers })
}

/// A pool's complete erasure layout.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Layout {
    /// Servers in the pool.
    pub servers: u32,
    /// Drives per server.
    pub volumes_per_server: u32,
    /// All drives of the pool.
    pub drives: u32,
    /// Drives per erasure set.
    pub set_size: u32,
    /// Erasure sets in the pool.
    pub sets: u32,
    /// Data shards per set.
    pub data: u32,
    /// Parity shards per set.
    pub parity: u32,
    /// Drives of a set that must answer for a read.
    pub read_quorum: u32,
    /// Drives of a set that must answer for a write.
    pub write_quorum: u32,
    /// Drives of one set that may be lost while reads still succeed.
    pub drives_lost_read: u32,
    /// Drives of one set that may be lost while writes still succeed.
    pub drives_lost_write: u32,
    /// Most drives any one server holds in one set.
    pub drives_per_server_per_set: u32,
    /// Whole servers that may be down while every set can still be read.
    pub servers_lost_read: u32,
    /// Whole servers that may be down while every set can still be written.
    pub servers_lost_write: u32,
}

impl Layout {
    /// Computes the layout of a pool with the given parity, in the sets MinIO chooses itself.
    pub fn new(servers: u32, volumes_per_server: u32, parity: u32) -> Result<Self, LayoutError> {
        let set_size = set_size(servers, volumes_per_server)?;
        Self::with_set_size(servers, volumes_per_server, parity, set_size)
    }

    /// Computes the layout of a pool whose set size is forced by `MINIO_ERASURE_SET_DRIVE_COUNT`.
    /// MinIO reads that variable once and applies it to every pool (`mergeDisksLayoutFromArgs`
    /// in `cmd/endpoint-ellipses.go`); `getSetIndexes` accepts any size from 2 to 16 that divides
    /// the pool's drives and checks no symmetry ("user is on their own"), so symmetry is
    /// required here: without it a server could hold more drives of a set than parity covers.
    pub fn with_set_size(
        servers: u32,
        volumes_per_server: u32,
        parity: u32,
        set_size: u32,
    ) -> Result<Self, LayoutError> {
        let drives = servers
            .checked_mul(volumes_per_server)
            .ok_or(LayoutError::NoSetSize { drives: u32::MAX })?;
        if drives < MIN_POOL_DRIVES {
            return Err(LayoutError::TooFewDrives { drives });
        }
        if !SET_SIZES.contains(&set_size) || !drives.is_multiple_of(set_size) {
            return Err(LayoutError::NoSetSize { drives });
        }
        if !symmetric(set_size, servers) {
            return Err(LayoutError::NotSymmetric { drives, servers });
        }
        let max = set_size / 2;
        if parity > max {
            return Err(LayoutError::ParityTooLarge {
                parity,
                set_size,
                max,
            });
        }
        let data = set_size - parity;
        let read_quorum = data;
        // With as many parity as data shards, a write needs one more than half so that two
        // halves of a split cluster cannot both accept writes.
        let write_quorum = if data == parity { data + 1 } else { data };
        let drives_lost_read = set_size - read_quorum;
        let drives_lost_write = set_size - write_quorum;
        let per_server = per_server_counts(servers, set_size);
        let drives_per_server_per_set = per_server.first().copied().unwrap_or(0);
        let servers_lost = |tolerance: u32| whole_servers_within(&per_server, tolerance);
        Ok(Self {
            servers,
            volumes_per_server,
            drives,
            set_size,
            sets: drives / set_size,
            data,
            parity,
            read_quorum,
            write_quorum,
            drives_lost_read,
            drives_lost_write,
            drives_per_server_per_set,
            servers_lost_read: servers_lost(drives_lost_read),
            servers_lost_write: servers_lost(drives_lost_write),
        })
    }

    /// Usable share of raw capacity, as data shards over set size.
    #[must_use]
    pub fn efficiency(&self) -> f64 {
        f64::from(self.data) / f64::from(self.set_size)
    }
}

/// How many drives of one erasure set each server holds, largest first: the same for every set.
///
/// Endpoint `i` is drive `i / servers` of server `i % servers` (servers vary fastest), and a set
/// is `set_size` consecutive endpoints: any such window holds `set_size / servers` drives of every
/// server and one more of `set_size % servers` of them, wherever it starts. Computed here rather
/// than by walking a sets x servers table, which for 32 pools of 1,024 servers x 64 drives cost
/// half a gigabyte.
fn per_server_counts(servers: u32, set_size: u32) -> Vec<u32> {
    let (each, extra) = (set_size / servers, set_size % servers);
    let mut counts = vec![each + 1; extra as usize];
    if each > 0 {
        counts.resize(servers as usize, each);
    }
    counts
}

/// How many servers may be lost, worst case, before more than `tolerance` drives are gone.
fn whole_servers_within(counts_desc: &[u32], tolerance: u32) -> u32 {
    let mut lost = 0;
    let mut servers = 0;
    for &c in counts_desc {
        lost += c;
        if lost > tolerance {
            break;
        }
        servers += 1;
    }
    servers
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn layout(s: u32, v: u32, p: u32) -> Layout {
        Layout::new(s, v, p).unwrap_or_else(|e| panic!("{s}x{v} EC:{p}: {e}"))
    }

    #[test]
    fn set_sizes_match_minio() {
        for (servers, volumes, expected) in [
            (4, 2, 8),
            (4, 4, 16),
            (8, 2, 16),
            (8, 4, 16),
            (16, 4, 16),
            (2, 2, 4),
            (6, 1, 6),
            (12, 1, 12),
            (32, 1, 16),
            (3, 4, 12),
            (5, 4, 10),
        ] {
            assert_eq!(
                set_size(servers, volumes),
                Ok(expected),
                "{servers}x{volumes}"
            );
        }
        assert_eq!(layout(8, 4, 4).sets, 2);
        assert_eq!(layout(16, 4, 4).sets, 4);
    }

    #[test]
    fn invalid_layouts_are_refused() {
        assert_eq!(set_size(1, 3), Err(LayoutError::TooFewDrives { drives: 3 }));
        assert_eq!(set_size(17, 1), Err(LayoutError::NoSetSize { drives: 17 }));
        // 7 servers x 2: 14 drives; 2, 7 and 14 divide it, and 7 and 14 are symmetric.
        assert_eq!(set_size(7, 2), Ok(14));
        // 12 servers x 3 = 36 drives: divisors 2,3,4,6,9,12; symmetric with 12: 2,3,4,6,12.
        assert_eq!(set_size(12, 3), Ok(12));
        assert!(matches!(
            Layout::new(4, 2, 5),
            Err(LayoutError::ParityTooLarge { max: 4, .. })
        ));
    }

    #[test]
    fn runbook_tier_tolerances() {
        let small = layout(4, 2, 4);
        assert_eq!((small.data, small.parity), (4, 4));
        assert_eq!((small.read_quorum, small.write_quorum), (4, 5));
        assert_eq!((small.drives_lost_read, small.drives_lost_write), (4, 3));
        assert_eq!((small.servers_lost_read, small.servers_lost_write), (2, 1));

        let big = layout(8, 4, 4);
        assert_eq!((big.set_size, big.data, big.parity), (16, 12, 4));
        assert_eq!(big.write_quorum, 12);
        assert_eq!(big.drives_per_server_per_set, 2);
        assert_eq!((big.servers_lost_read, big.servers_lost_write), (2, 2));
        assert!((big.efficiency() - 0.75).abs() < f64::EPSILON);

        let wide = layout(16, 4, 4);
        assert_eq!((wide.servers_lost_read, wide.servers_lost_write), (4, 4));
    }

    #[test]
    fn a_forced_set_size_must_divide_the_drives_and_spread_evenly() {
        // 8 servers x 2: MinIO's own choice is one set of 16; forced to 8, each set holds one
        // drive of every server, so EC:4 (4+4, write quorum 5) survives 3 servers down.
        let forced = Layout::with_set_size(8, 2, 4, 8).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((forced.sets, forced.data, forced.write_quorum), (2, 4, 5));
        assert_eq!(forced.drives_per_server_per_set, 1);
        assert_eq!(
            (forced.servers_lost_read, forced.servers_lost_write),
            (4, 3)
        );
        let wide = Layout::with_set_size(8, 4, 4, 8).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((wide.sets, wide.servers_lost_write), (4, 3));
        assert_eq!(
            Layout::with_set_size(8, 2, 4, 12),
            Err(LayoutError::NoSetSize { drives: 16 })
        );
        assert_eq!(
            Layout::with_set_size(6, 2, 2, 4),
            Err(LayoutError::NotSymmetric {
                drives: 12,
                servers: 6
            })
        );
        assert_eq!(Layout::with_set_size(4, 2, 4, 8), Layout::new(4, 2, 4));
    }

    /// The table `per_server_counts` replaced: every set, walked endpoint by endpoint.
    fn walked_counts(servers: u32, volumes_per_server: u32, set_size: u32) -> Vec<Vec<u32>> {
        let drives = servers * volumes_per_server;
        let mut sets = vec![vec![0u32; servers as usize]; (drives / set_size) as usize];
        for i in 0..drives {
            sets[(i / set_size) as usize][(i % servers) as usize] += 1;
        }
        for counts in &mut sets {
            counts.retain(|&c| c > 0);
            counts.sort_unstable_by(|a, b| b.cmp(a));
        }
        sets
    }

    #[test]
    fn every_set_holds_the_counts_computed_once() {
        for servers in 1..=40 {
            for volumes in 1..=16 {
                for set_size in SET_SIZES {
                    if (servers * volumes) % set_size != 0 {
                        continue;
                    }
                    let once = per_server_counts(servers, set_size);
                    for set in walked_counts(servers, volumes, set_size) {
                        assert_eq!(set, once, "{servers}x{volumes} in sets of {set_size}");
                    }
                }
            }
        }
    }

    /// Written from MinIO's rule, not from `set_size`: a pool of at least 4 drives has a layout
    /// whenever some size from 2 to 16 divides its drives and divides, or is divided by, its
    /// server count (`possibleSetCountsWithSymmetry`), and MinIO takes the largest such size
    /// (`commonSetDriveCount`). Every pool up to 64 servers x 16 drives, none left out.
    #[test]
    fn a_layout_exists_whenever_a_symmetric_divisor_fits() {
        for servers in 1u32..=64 {
            for volumes in 1u32..=16 {
                let drives = servers * volumes;
                let largest = (2u32..=16)
                    .rev()
                    .find(|s| drives % s == 0 && (servers % s == 0 || s % servers == 0));
                let expected = if drives < 4 { None } else { largest };
                assert_eq!(
                    set_size(servers, volumes).ok(),
                    expected,
                    "{servers} servers x {volumes} drives"
                );
                if let Some(size) = expected {
                    assert_eq!(
                        Layout::new(servers, volumes, size / 2).map(|l| l.set_size),
                        Ok(size),
                        "{servers}x{volumes}"
                    );
                }
            }
        }
        // 18 drives: 9 divides them but not 6 servers, so the sets are 6 drives, 2 per server.
        assert_eq!(set_size(6, 3), Ok(6));
        assert_eq!(layout(6, 3, 3).sets, 3);
    }

    proptest! {
        #[test]
        fn layouts_hold_minio_invariants(servers in 1u32..=64, volumes in 1u32..=16, parity in 1u32..=8) {
            if let Ok(l) = Layout::new(servers, volumes, parity) {
                prop_assert!(SET_SIZES.contains(&l.set_size));
                prop_assert_eq!(l.drives % l.set_size, 0);
                prop_assert!(l.set_size % servers == 0 || servers % l.set_size == 0);
                prop_assert_eq!(l.data + l.parity, l.set_size);
                prop_assert!(l.parity <= l.set_size / 2);
                prop_assert!(l.write_quorum >= l.read_quorum);
                // Two disjoint groups of drives can never both hold write quorum.
                prop_assert!(2 * l.write_quorum > l.set_size);
                prop_assert!(l.servers_lost_write <= l.servers_lost_read);
                // Losing the tolerated servers never costs a set more drives than it can spare.
                prop_assert!(l.servers_lost_write * l.drives_per_server_per_set <= l.drives_lost_write
                    || l.drives_per_server_per_set == 0);
                prop_assert!(l.servers_lost_read <= servers);
                // No larger symmetric set size would also divide the drives.
                for bigger in (l.set_size + 1)..=16 {
                    let symmetric = if servers > bigger { servers % bigger == 0 } else { bigger % servers == 0 };
                    prop_assert!(!(l.drives % bigger == 0 && symmetric));
                }
            }
        }
    }
}
