//! States for the unit tests of the app: connected, with repositories of eu-west-1.

use super::{Msg, State, update};
use crate::model::inventory::Event;
use crate::model::repository::sample;

/// `n` repositories `r00`, `r01`, … loaded, the views having drawn `rows` list rows.
pub fn loaded(n: usize, rows: u16) -> State {
    let mut s = State::new("test", false, false);
    update(
        &mut s,
        Msg::Connected {
            source: "profile test".into(),
            regions: vec![crate::model::inventory::Scope::region("eu-west-1")],
        },
    );
    let repos = (0..n)
        .map(|i| sample(&format!("r{i:02}"), "eu-west-1", &[]))
        .collect();
    update(
        &mut s,
        Msg::Inventory(vec![Event::Page {
            load: 1,
            region: "eu-west-1".into(),
            repos,
        }]),
    );
    update(
        &mut s,
        Msg::Viewport(super::Viewport {
            list_rows: rows,
            text_rows: rows,
            ..Default::default()
        }),
    );
    s
}

pub fn keys(s: &mut State, ks: &[super::Key]) -> Vec<super::Effect> {
    ks.iter().flat_map(|k| update(s, Msg::Key(*k))).collect()
}

pub fn typed(s: &mut State, text: &str) -> Vec<super::Effect> {
    text.chars()
        .flat_map(|c| update(s, Msg::Key(super::Key::Char(c))))
        .collect()
}
