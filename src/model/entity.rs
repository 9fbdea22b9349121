//! The shape of a Port entity that mappings produce and pushes send.

/// The top-level keys of a Port entity, in the order Port's docs write them. Mapping files keep
/// this order when a key is added; validation flags any other key, since Port would silently
/// ignore it (a typo such as `propertes` loses every property).
pub const ENTITY_KEYS: [&str; 7] = [
    "identifier",
    "title",
    "blueprint",
    "icon",
    "team",
    "properties",
    "relations",
];
