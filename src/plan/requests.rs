//! How many S3 requests each MinIO server accepts at once: `MINIO_API_REQUESTS_MAX` as MinIO
//! itself reads it, or the value it derives when the variable is unset.
//!
//! A port of `apiConfig.init` in minio/minio `cmd/handler-api.go` (identical at
//! RELEASE.2024-10-13T13-34-11Z and RELEASE.2025-09-07T16-13-09Z), part of the plan stage: pure
//! arithmetic on the pod's memory limit, the largest erasure set and the number of servers. No
//! IO. The value is per server; a set `MINIO_API_REQUESTS_MAX` is for the whole cluster.

use serde::Serialize;

/// `xioutil.LargeBlock + xioutil.SmallBlock` (`internal/ioutil/ioutil.go`): 1 MiB + 32 KiB,
/// the buffers one request holds per drive of its erasure set.
pub const BUFFER_PER_DRIVE: u64 = 1024 * 1024 + 32 * 1024;
/// `blockSizeV2 * 2` (`cmd/object-api-common.go`): two 1 MiB erasure blocks per request.
pub const BLOCKS_PER_REQUEST: u64 = 2 * 1024 * 1024;
/// `cgroupMemLimit` ignores a limit of 100 TiB or more as "no limit".
const NO_LIMIT: u128 = 100 * 1024 * 1024 * 1024 * 1024;
/// The kernel keeps `memory.max` in pages (`page_counter_memparse` in `mm/memcontrol.c`), so a
/// limit that is not a whole number of 4 KiB pages reads back rounded down.
const PAGE: u128 = 4096;

/// The effective per-server request limit, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiRequests {
    /// `MINIO_API_REQUESTS_MAX` as written to `config.env`, for the whole cluster; none leaves
    /// it to MinIO.
    pub cluster_max: Option<u32>,
    /// Servers over all pools: MinIO's `totalNodeCount` (one host name per server pod).
    pub servers: u32,
    /// The largest erasure set of any pool (`slices.Max(setDriveCounts)`).
    pub set_drives: u32,
    /// What MinIO derives per server from its memory limit when the variable is unset; none
    /// when the limit is so large that MinIO falls back to the node's free memory.
    pub memory_safe_per_server: Option<u64>,
    /// What each server accepts: `cluster_max / servers` when set, else `memory_safe_per_server`.
    pub per_server: Option<u64>,
}

/// The memory MinIO budgets for requests, from the container's memory limit in bytes:
/// `availableMemory`, 90% of the cgroup limit (`cmd/handler-api.go`), which `serverHandleCmdArgs`
/// takes as `globalServerCtxt.MemLimit` without `--memlimit` (`cmd/common-main.go`).
#[must_use]
pub fn memory_budget(limit_bytes: u128) -> Option<u128> {
    let cgroup = limit_bytes / PAGE * PAGE;
    (cgroup > 0 && cgroup < NO_LIMIT).then_some(cgroup * 9 / 10)
}

/// What one server derives when `MINIO_API_REQUESTS_MAX` is unset: its memory budget over what
/// one request holds, `maxSetDrives * (LargeBlock + SmallBlock) + 2 * blockSizeV2` (the
/// non-legacy branch: the operator starts MinIO with ellipses, so the layout is not legacy).
#[must_use]
pub fn memory_safe_per_server(limit_bytes: u128, set_drives: u32) -> Option<u64> {
    let per_request =
        u128::from(set_drives) * u128::from(BUFFER_PER_DRIVE) + u128::from(BLOCKS_PER_REQUEST);
    memory_budget(limit_bytes).map(|m| u64::try_from(m / per_request).unwrap_or(u64::MAX))
}

/// The effective limit for a tenant of `servers` servers whose largest erasure set has
/// `set_drives` drives, each server limited to `limit_bytes` of memory.
#[must_use]
pub fn api_requests(
    cluster_max: Option<u32>,
    servers: u32,
    set_drives: u32,
    limit_bytes: u128,
) -> ApiRequests {
    let memory_safe = memory_safe_per_server(limit_bytes, set_drives);
    let per_server = match cluster_max {
        // `apiRequestsMaxPerNode /= n` with Go's integer division.
        Some(max) => Some(u64::from(max) / u64::from(servers.max(1))),
        None => memory_safe,
    };
    ApiRequests {
        cluster_max,
        servers,
        set_drives,
        memory_safe_per_server: memory_safe,
        per_server,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GI: u128 = 1024 * 1024 * 1024;

    /// The 5000 tier's 8Gi pods with one set of 8: 8 Gi x 0.9 / (8 x 1056 KiB + 2 MiB) = 719.
    #[test]
    fn an_8gi_server_with_sets_of_8_takes_719() {
        assert_eq!(memory_safe_per_server(8 * GI, 8), Some(719));
        // Sets of 16 hold twice the buffers per request.
        assert_eq!(memory_safe_per_server(8 * GI, 16), Some(398));
        assert_eq!(memory_safe_per_server(16 * GI, 16), Some(797));
    }

    /// The old profile's 6400 on 4 servers was 1600 per server, more than twice the 719 MinIO
    /// itself allows an 8Gi pod.
    #[test]
    fn a_set_value_is_shared_by_every_server() {
        let r = api_requests(Some(6400), 4, 8, 8 * GI);
        assert_eq!(r.per_server, Some(1600));
        assert_eq!(r.memory_safe_per_server, Some(719));
        assert_eq!(api_requests(Some(7), 2, 8, 8 * GI).per_server, Some(3));
        assert_eq!(api_requests(None, 4, 8, 8 * GI).per_server, Some(719));
    }

    /// `cgroupMemLimit` reads the page-rounded `memory.max`, and gives up at 100 TiB.
    #[test]
    fn the_limit_is_read_as_the_cgroup_holds_it() {
        // 1G is not a whole number of pages: 244140 pages of 4096 bytes.
        assert_eq!(memory_budget(1_000_000_000), Some(999_997_440 * 9 / 10));
        assert_eq!(memory_budget(100 * 1024 * GI), None);
        assert_eq!(memory_budget(0), None);
        assert_eq!(memory_safe_per_server(200 * 1024 * GI, 8), None);
    }
}
