//! Suggested services on a fixture of repositories and services that covers each signal, ties,
//! near spellings and repositories that must get no suggestion. The figures are printed
//! (`cargo test --test suggest -- --nocapture`) and every expectation is asserted.

use std::collections::BTreeMap;

use ecr_port::model::suggest::{self, Options, Service};
use ecr_port::model::{Fetched, Repository, Tag};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    services: Vec<Service>,
    repositories: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    /// Which signal the entry exercises; absent for already tagged repositories.
    signal: Option<String>,
    #[serde(default)]
    expect: Option<String>,
}

fn repository(entry: &Entry) -> Repository {
    let region = "eu-west-1";
    let account = "123456789012";
    Repository {
        name: entry.name.clone(),
        region: region.into(),
        registry_id: account.into(),
        arn: format!("arn:aws:ecr:{region}:{account}:repository/{}", entry.name),
        uri: format!("{account}.dkr.ecr.{region}.amazonaws.com/{}", entry.name),
        created_at: None,
        image_tag_mutability: "MUTABLE".into(),
        scan_on_push: false,
        encryption_type: "AES256".into(),
        kms_key: None,
        tags: Fetched::Present(entry.tags.iter().map(|(k, v)| Tag::new(k, v)).collect()),
        lifecycle_policy: Fetched::Absent,
        repository_policy: Fetched::Absent,
    }
}

fn fixture() -> Fixture {
    serde_json::from_str(include_str!("fixtures/suggest.json")).expect("the fixture is JSON")
}

#[test]
fn the_fixture_gets_the_right_picks_and_no_guesses() {
    let fixture = fixture();
    let repos: Vec<Repository> = fixture.repositories.iter().map(repository).collect();
    let out = suggest::suggest(&repos, &fixture.services, &Options::default());
    let considered: Vec<&Entry> = fixture
        .repositories
        .iter()
        .filter(|e| e.signal.is_some())
        .collect();
    assert!(considered.len() >= 60, "{} repositories", considered.len());
    assert!(fixture.services.len() >= 15);
    assert_eq!(
        out.len(),
        considered.len(),
        "tagged repositories are left out"
    );
    let (mut right, mut wrong, mut missed, mut right_none) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    let mut per_signal: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (entry, got) in considered.iter().zip(&out) {
        assert_eq!(entry.name, got.repository);
        let signal = entry.signal.as_deref().unwrap_or_default();
        let tally = per_signal.entry(signal).or_default();
        tally.1 += 1;
        let ok = match (&entry.expect, &got.service) {
            (Some(want), Some(have)) if want == have => {
                right += 1;
                true
            }
            (None, None) => {
                right_none += 1;
                true
            }
            (_, Some(_)) => {
                wrong += 1;
                false
            }
            (Some(_), None) => {
                missed += 1;
                false
            }
        };
        if ok {
            tally.0 += 1;
        } else {
            failures.push(format!(
                "{}: expected {:?}, got {:?} ({:.2}; {:?}; alternatives {:?})",
                entry.name, entry.expect, got.service, got.score, got.reasons, got.alternatives
            ));
        }
        assert!((0.0..=1.0).contains(&got.score), "{got:?}");
        assert!(got.alternatives.len() <= 3, "{got:?}");
        if got.service.is_none() && entry.signal.as_deref() == Some("tie") {
            assert!(got.alternatives.len() >= 2, "a tie shows both: {got:?}");
            assert!(got.reasons[0].starts_with("tie"), "{got:?}");
        }
    }
    println!(
        "{} repositories, {} services: right picks {right}, wrong picks {wrong}, \
         no pick where one was expected {missed}, rightly no pick {right_none}",
        considered.len(),
        fixture.services.len()
    );
    for (signal, (ok, all)) in &per_signal {
        println!("  {signal:<14} {ok}/{all}");
    }
    for signal in [
        "exact",
        "title",
        "last segment",
        "namespace",
        "words",
        "near spelling",
        "tag",
        "siblings",
        "tie",
        "none",
    ] {
        assert!(per_signal.contains_key(signal), "no case for {signal}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_threshold_moves_weak_picks_to_no_pick() {
    let fixture = fixture();
    let repos: Vec<Repository> = fixture.repositories.iter().map(repository).collect();
    let strict = Options {
        min_score: 0.9,
        ..Options::default()
    };
    let out = suggest::suggest(&repos, &fixture.services, &strict);
    for s in &out {
        if let Some(service) = &s.service {
            assert!(s.score >= 0.9, "{service} picked at {}", s.score);
        }
    }
    let near = out.iter().find(|s| s.repository == "notifcations").unwrap();
    assert_eq!(near.service, None);
    assert!(near.reasons[0].contains("below 0.90"), "{near:?}");
    assert_eq!(near.alternatives[0].service, "notifications");
}
