//! The TUI's state fed by a real load of several accounts from moto: one through static keys,
//! one through a role assumed on top of them (moto keeps an assumed role's repositories in the
//! role's account), one without credentials. Each row names its account, the header each
//! account's load, and the failing account stops neither of the others.
//!
//! One test in this binary: it points the AWS SDK at its own profile files through the
//! process environment, which no other test here could share.

mod support;

use ecr_port::app::{Column, Key, Msg, State, update};
use ecr_port::inventory::Inventory;
use ecr_port::inventory::accounts::{Account, Accounts};
use ecr_port::inventory::ecr::{AwsOptions, DEFAULT_CONCURRENCY, EcrInventory};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::{Env, Moto, boto3};

fn seed_in_role_account(moto: &Moto, account: &str, names: &[&str]) {
    let names = names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    boto3(
        moto,
        &format!(
            r#"
sts = boto3.client('sts', region_name='eu-west-1', endpoint_url='{url}',
    aws_access_key_id='testing', aws_secret_access_key='testing')
c = sts.assume_role(RoleArn='arn:aws:iam::{account}:role/seed', RoleSessionName='seed')['Credentials']
client = boto3.client('ecr', region_name='eu-west-1', endpoint_url='{url}',
    aws_access_key_id=c['AccessKeyId'], aws_secret_access_key=c['SecretAccessKey'],
    aws_session_token=c['SessionToken'])
for name in [{names}]:
    client.create_repository(repositoryName=name)
"#,
            url = moto.url
        ),
    );
}

fn header(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(100, 24)).unwrap();
    terminal
        .draw(|f| {
            ecr_port::ui::render(f, state);
        })
        .unwrap();
    let screen = terminal.backend().to_string();
    screen.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn two_accounts_through_an_assumed_role_and_one_failing_load_side_by_side() {
    let moto = Moto::start();
    boto3(
        &moto,
        "ecr('eu-west-1').create_repository(repositoryName='shared')\n\
         ecr('eu-west-1').create_repository(repositoryName='home-only')",
    );
    seed_in_role_account(&moto, "222222222222", &["shared", "theirs"]);
    let env = Env::new();
    std::fs::write(
        env.path("aws-credentials"),
        "[base]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    std::fs::write(
        env.path("aws-config"),
        "[profile base]\nregion = eu-west-1\n\
         [profile other]\nrole_arn = arn:aws:iam::222222222222:role/reader\nsource_profile = base\n",
    )
    .unwrap();
    // SAFETY: set before the runtime or any other thread of this test binary starts.
    unsafe {
        for var in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_ENDPOINT_URL",
        ] {
            std::env::remove_var(var);
        }
        std::env::set_var("AWS_CONFIG_FILE", env.path("aws-config"));
        std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", env.path("aws-credentials"));
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    }
    let account = |profile: &str| AwsOptions {
        profile: Some(profile.into()),
        regions: vec!["eu-west-1".into()],
        endpoint_url: Some(moto.url.clone()),
        concurrency: DEFAULT_CONCURRENCY,
        role: None,
        tag_source: Default::default(),
        alias: Some(profile.into()),
        discover: None,
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let state = runtime.block_on(async {
        let mut opened = Vec::new();
        for alias in ["base", "other", "nowhere"] {
            opened.push(match EcrInventory::connect(&account(alias)).await {
                Ok(inv) => Account::Open {
                    alias: alias.into(),
                    inventory: Box::new(inv),
                },
                Err(error) => Account::Failed {
                    alias: alias.into(),
                    label: format!("profile {alias}"),
                    regions: vec!["eu-west-1".into()],
                    error,
                },
            });
        }
        let inventory = Accounts::new(opened);
        let mut state = State::new("connecting", false, false);
        update(
            &mut state,
            Msg::Connected {
                source: inventory.describe(),
                regions: inventory.scopes(),
            },
        );
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let load = inventory.load(
            ecr_port::inventory::LoadOptions {
                load: state.load,
                policies: false,
            },
            tx,
        );
        let feed = async {
            while let Some(event) = rx.recv().await {
                update(&mut state, Msg::Inventory(vec![event]));
            }
        };
        tokio::join!(load, feed);
        state
    });

    let rows: Vec<(String, String)> = state
        .view
        .iter()
        .map(|&i| {
            let repo = &state.repos[i];
            (state.account_of(repo).to_owned(), repo.name.clone())
        })
        .collect();
    let pair = |a: &str, n: &str| (a.to_owned(), n.to_owned());
    assert_eq!(
        rows,
        [
            pair("base", "home-only"),
            pair("base", "shared"),
            pair("other", "shared"),
            pair("other", "theirs"),
        ]
    );
    let other = state
        .repos
        .iter()
        .find(|r| r.name == "theirs")
        .expect("the assumed role's repository");
    assert_eq!(other.registry_id, "222222222222");
    let top = header(&state);
    assert!(
        top.contains("base ✓ 2")
            && top.contains("other ✓ 2")
            && top.contains("nowhere ✗ no credentials"),
        "{top}"
    );
    let status = state
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(
        status.starts_with("nowhere · eu-west-1: no AWS credentials"),
        "{status}"
    );

    // The account filter and sort on the loaded rows.
    let mut state = state;
    for key in [
        Key::Char('/'),
        Key::Char('@'),
        Key::Char('o'),
        Key::Char('t'),
    ] {
        update(&mut state, Msg::Key(key));
    }
    let names: Vec<&str> = state
        .view
        .iter()
        .map(|&i| state.repos[i].name.as_str())
        .collect();
    assert_eq!(names, ["shared", "theirs"]);
    update(&mut state, Msg::Key(Key::Esc));
    update(&mut state, Msg::Key(Key::Left));
    assert_eq!(state.sort.column, Column::Account);
}
