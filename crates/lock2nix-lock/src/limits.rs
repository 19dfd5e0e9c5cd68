//! Documented limits on input size, so that hostile input fails fast with a clear error.

/// Limits applied while reading. The defaults are far above any real lock (the largest real lock in
/// the fixtures is 5 MiB with 1,660 packages and at most ~300 wheels per package).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest accepted file, in bytes (default 256 MiB).
    pub max_file_size: u64,
    /// Deepest nesting of tables/arrays, counting the root table as 1 and scalar values as a
    /// level (default 32; the real locks nest 9 deep: `package[i].metadata.requires-dev.<group>[j].extras[k]`).
    pub max_depth: usize,
    /// Most `[[package]]` entries (default 200,000).
    pub max_packages: usize,
    /// Most wheels per package (default 10,000).
    pub max_wheels_per_package: usize,
    /// Most dependencies in one list (default 100,000).
    pub max_dependencies_per_package: usize,
    /// Most workspace members (default 10,000).
    pub max_members: usize,
    /// Deepest nesting of parentheses in one PEP 508 marker (default 32; real markers nest at
    /// most 2 or 3 deep).
    pub max_marker_depth: usize,
    /// Most expressions (`<value> <op> <value>`) in one PEP 508 marker (default 10,000; the real
    /// locks have at most 15).
    pub max_marker_terms: usize,
    /// Most decision-diagram work for one marker: before `pep508_rs` combines two sub-markers,
    /// the product of their weights (sub-diagrams and edges) is charged, which bounds the steps,
    /// nodes and memo entries the combination can make (pep508_rs never frees them). Default
    /// 1,000,000: at worst about 100 MB and 1 s (measured with `(extra == 'a1' and extra == 'z1')
    /// or …`, whose diagram is exponential); the costliest marker of the real locks needs 1,340.
    pub max_marker_cost: u64,
    /// The same work for all the distinct markers of one file together (default 2,000,000: at
    /// worst about 200 MB and 2 s; the real locks need at most 9,611).
    pub max_marker_cost_per_file: u64,
    /// Testing aid: never split a large lock for the parallel parse (the result is the same
    /// either way; this exists so that tests can check exactly that).
    #[doc(hidden)]
    pub force_single_parse: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_size: 256 * 1024 * 1024,
            max_depth: 32,
            max_packages: 200_000,
            max_wheels_per_package: 10_000,
            max_dependencies_per_package: 100_000,
            max_members: 10_000,
            max_marker_depth: 32,
            max_marker_terms: 10_000,
            max_marker_cost: 1_000_000,
            max_marker_cost_per_file: 2_000_000,
            force_single_parse: false,
        }
    }
}
