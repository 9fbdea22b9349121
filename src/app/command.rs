//! The `:` command line: a text box that runs a command by name, with Tab completion of the
//! names and of their arguments (regions, profiles, files, the fixed values).

use super::keys::Action;
use super::state::{Screen, State, Status, StatusLevel};
use super::{Effect, Key};
use crate::mapping::eval::{Semantics, Shape};

/// What is typed after `:`, and the completion chosen with ↑/↓.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    pub text: String,
    pub choice: usize,
}

/// A directory's entries, read for the completion of `:mapping FILE`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// The directory as typed (`""` for the current one, else ending in `/`).
    pub dir: String,
    /// Names in it; directories end in `/`.
    pub names: Vec<String>,
}

/// Every command, its argument and what it does (the `?` help lists them from here).
pub const COMMANDS: &[(&str, &str, &str)] = &[
    ("region", "R1,R2", "load these regions"),
    ("profile", "NAME", "load with this AWS profile"),
    ("mapping", "FILE", "open this mapping file in the workbench"),
    (
        "semantics",
        "exporter|ocean",
        "evaluate as the AWS exporter or Ocean",
    ),
    ("shape", "exporter|ocean-aws|aws-v3", "the input shape"),
    ("list", "", "the repository list"),
    ("detail", "", "the highlighted repository's JSON"),
    ("workbench", "", "the mapping workbench"),
    ("push", "", "the push plan"),
    ("review", "", "the suggested services"),
    ("log", "", "the activity log"),
    ("help", "", "the help"),
    (
        "q",
        "",
        "quit (q! quits leaving unsaved edits in the state directory)",
    ),
];

/// AWS's commercial regions, for completion (a configured or loaded region comes first).
pub const AWS_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

const SEMANTICS: [&str; 2] = ["exporter", "ocean"];
const SHAPES: [&str; 3] = ["exporter", "ocean-aws", "aws-v3"];

/// `:` opens the command line.
pub(super) fn open(state: &mut State) {
    state.command = Some(CommandLine::default());
}

pub(super) fn on_key(state: &mut State, key: Key, action: Option<Action>) -> Vec<Effect> {
    let Some(mut line) = state.command.take() else {
        return vec![];
    };
    let count = completions(state, &line.text).len();
    match action {
        Some(Action::Back) => return vec![],
        Some(Action::KeepText) => return run(state, line),
        Some(Action::Complete) => {
            if let Some(done) = completions(state, &line.text).get(line.choice) {
                line.text = done.clone();
                line.choice = 0;
            }
        }
        Some(Action::Down) => line.choice = (line.choice + 1).min(count.saturating_sub(1)),
        Some(Action::Up) => line.choice = line.choice.saturating_sub(1),
        Some(Action::DeleteChar) => {
            line.text.pop();
            line.choice = 0;
        }
        Some(Action::EraseText) => {
            line.text.clear();
            line.choice = 0;
        }
        _ => {
            if let Key::Char(c) = key {
                line.text.push(c);
                line.choice = 0;
            }
        }
    }
    let effects = list_dir_if_needed(state, &line.text);
    state.command = Some(line);
    effects
}

/// Whole command lines the text completes to, best first.
pub fn completions(state: &State, text: &str) -> Vec<String> {
    let Some((name, arg)) = text.split_once(' ') else {
        return COMMANDS
            .iter()
            .filter(|(n, _, _)| n.starts_with(text) && *n != text)
            .map(|(n, arg, _)| {
                if arg.is_empty() {
                    (*n).to_owned()
                } else {
                    format!("{n} ")
                }
            })
            .collect();
    };
    let arg = arg.trim_start();
    let with = |values: Vec<String>, prefix: &str, word: &str| -> Vec<String> {
        values
            .into_iter()
            .filter(|v| v.starts_with(word) && v != word)
            .map(|v| format!("{name} {prefix}{v}"))
            .collect()
    };
    match name {
        "region" => {
            let (done, word) = match arg.rsplit_once(',') {
                Some((done, word)) => (format!("{done},"), word.trim()),
                None => (String::new(), arg),
            };
            let chosen: Vec<&str> = done.split(',').map(str::trim).collect();
            let mut regions: Vec<String> = state.regions.iter().map(|r| r.region.clone()).collect();
            for r in AWS_REGIONS {
                if !regions.iter().any(|x| x == r) {
                    regions.push((*r).to_owned());
                }
            }
            regions.retain(|r| !chosen.contains(&r.as_str()));
            with(regions, &done, word)
        }
        "profile" => with(state.known_profiles.clone(), "", arg),
        "semantics" => with(SEMANTICS.map(str::to_owned).to_vec(), "", arg),
        "shape" => with(SHAPES.map(str::to_owned).to_vec(), "", arg),
        "mapping" => {
            let (dir, word) = split_path(arg);
            match &state.listing {
                Some(l) if l.dir == dir => with(l.names.clone(), dir, word),
                _ => vec![],
            }
        }
        _ => vec![],
    }
}

/// `dir/`, `word` of a typed path.
fn split_path(arg: &str) -> (&str, &str) {
    match arg.rfind('/') {
        Some(i) => (&arg[..=i], &arg[i + 1..]),
        None => ("", arg),
    }
}

/// Files complete from a listing of the typed directory, read once per directory.
fn list_dir_if_needed(state: &State, text: &str) -> Vec<Effect> {
    let Some(arg) = text.strip_prefix("mapping ") else {
        return vec![];
    };
    let (dir, _) = split_path(arg.trim_start());
    if state.listing.as_ref().is_some_and(|l| l.dir == dir) {
        return vec![];
    }
    vec![Effect::ListDir {
        dir: dir.to_owned(),
    }]
}

fn error(state: &mut State, text: String) {
    state.status = Some(Status {
        level: StatusLevel::Error,
        text,
    });
}

fn info(state: &mut State, text: String) {
    state.status = Some(Status {
        level: StatusLevel::Info,
        text,
    });
}

/// Enter: runs the line. A line that cannot run stays open with the reason in the status
/// line, so nothing typed is lost.
fn run(state: &mut State, line: CommandLine) -> Vec<Effect> {
    let text = line.text.trim().to_owned();
    let (name, arg) = match text.split_once(' ') {
        Some((n, a)) => (n, a.trim()),
        None => (text.as_str(), ""),
    };
    match dispatch(state, name, arg) {
        Ok(effects) => effects,
        Err(why) => {
            error(state, why);
            state.command = Some(line);
            vec![]
        }
    }
}

fn dispatch(state: &mut State, name: &str, arg: &str) -> Result<Vec<Effect>, String> {
    let needs_none = || {
        if arg.is_empty() {
            Ok(())
        } else {
            Err(format!(":{name} takes no argument"))
        }
    };
    match name {
        "q" | "quit" => {
            needs_none()?;
            Ok(super::update::quit_unless_unsaved(state))
        }
        "q!" | "quit!" => Ok(super::update::quit(state)),
        "region" | "regions" => regions(state, arg),
        "profile" => profile(state, arg),
        "mapping" => mapping(state, arg),
        "semantics" => {
            let semantics = match arg {
                "exporter" => Semantics::Exporter,
                "ocean" => Semantics::Ocean,
                _ => return Err(format!("semantics are exporter or ocean, not `{arg}`")),
            };
            workbench_setting(state, |wb| wb.semantics = semantics)
        }
        "shape" => {
            let shape = [Shape::Exporter, Shape::OceanAws, Shape::AwsV3]
                .into_iter()
                .find(|s| s.name() == arg)
                .ok_or_else(|| format!("shapes are {}, not `{arg}`", SHAPES.join(", ")))?;
            workbench_setting(state, |wb| wb.shape = shape)
        }
        "list" | "detail" | "workbench" | "push" | "review" | "log" | "help" => {
            needs_none()?;
            Ok(screen(state, name))
        }
        "" => Ok(vec![]),
        _ => Err(format!(
            "unknown command :{name} — Tab lists the commands ({})",
            COMMANDS
                .iter()
                .map(|(n, _, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn regions(state: &mut State, arg: &str) -> Result<Vec<Effect>, String> {
    let regions: Vec<String> = arg
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect();
    if regions.is_empty() {
        return Err(":region needs regions, e.g. :region eu-west-1,us-east-1".to_owned());
    }
    if let Some(bad) = regions.iter().find(|r| !looks_like_region(r)) {
        return Err(format!(
            "`{bad}` is not a region name (like eu-west-1); nothing was changed"
        ));
    }
    info(state, format!("loading {}", regions.join(", ")));
    reconnect(state);
    Ok(vec![Effect::Reconnect {
        profile: None,
        regions: Some(regions),
    }])
}

/// `eu-west-1`, `us-gov-west-1`: letters, dashes, a number at the end.
fn looks_like_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

fn profile(state: &mut State, arg: &str) -> Result<Vec<Effect>, String> {
    if arg.is_empty() || arg.contains(char::is_whitespace) {
        return Err(":profile needs one profile name, e.g. :profile dev".to_owned());
    }
    if state.demo {
        return Err("the demo data has no AWS profiles (start without --demo)".to_owned());
    }
    info(state, format!("loading with profile {arg}"));
    reconnect(state);
    Ok(vec![Effect::Reconnect {
        profile: Some(arg.to_owned()),
        regions: None,
    }])
}

/// The list starts again from nothing, as at startup.
fn reconnect(state: &mut State) {
    state.connecting = true;
    state.fatal = None;
    state.selected.clear();
    state.screen = Screen::List;
}

fn mapping(state: &mut State, arg: &str) -> Result<Vec<Effect>, String> {
    if arg.is_empty() {
        return Err(":mapping needs a file, e.g. :mapping ./port-mapping.json".to_owned());
    }
    if state.workbench.as_ref().is_some_and(|w| w.dirty()) {
        return Err(
            "the workbench has unsaved edits: save them (s in the workbench) first".to_owned(),
        );
    }
    state.workbench = None;
    Ok(vec![Effect::LoadMappingFrom {
        path: std::path::PathBuf::from(arg),
    }])
}

fn workbench_setting(
    state: &mut State,
    set: impl FnOnce(&mut super::workbench::Workbench),
) -> Result<Vec<Effect>, String> {
    let wb = state
        .workbench
        .as_mut()
        .ok_or("no mapping is open: :workbench (or m) opens it")?;
    set(wb);
    // Another engine or input: every value is evaluated again.
    wb.inputs = None;
    let mut effects = super::workbench::preview(state);
    effects.extend(super::workbench::sweep(state));
    Ok(effects)
}

/// The screens by name, opened as their keys open them.
fn screen(state: &mut State, name: &str) -> Vec<Effect> {
    let action = match name {
        "help" => {
            state.help = Some(0);
            return vec![];
        }
        "list" => {
            // A push screen left this way keeps its push (a running one goes on).
            state.screen = Screen::List;
            return vec![];
        }
        "detail" => Action::OpenDetail,
        "workbench" => Action::Workbench,
        "push" => Action::Push,
        "review" => Action::Suggest,
        _ => Action::ActivityLog,
    };
    state.screen = Screen::List;
    super::update::on_list_action(state, action)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixtures::{keys, loaded, typed};
    use crate::app::{Msg, update};

    #[test]
    fn tab_completes_command_names_and_their_arguments() {
        let mut s = loaded(3, 10);
        s.known_profiles = vec!["default".into(), "dev".into(), "prod".into()];
        assert_eq!(completions(&s, "re"), ["region ", "review"]);
        assert!(completions(&s, "region eu-w").contains(&"region eu-west-1".to_owned()));
        // The loaded region comes first; one already listed is not offered again.
        assert_eq!(completions(&s, "region ")[0], "region eu-west-1");
        let after = completions(&s, "region eu-west-1,us-east");
        assert_eq!(
            after,
            ["region eu-west-1,us-east-1", "region eu-west-1,us-east-2"]
        );
        assert_eq!(
            completions(&s, "profile d"),
            ["profile default", "profile dev"]
        );
        assert_eq!(completions(&s, "semantics o"), ["semantics ocean"]);
        assert_eq!(
            completions(&s, "shape "),
            ["shape exporter", "shape ocean-aws", "shape aws-v3"]
        );

        keys(&mut s, &[Key::Char(':')]);
        typed(&mut s, "pro");
        keys(&mut s, &[Key::Tab]);
        typed(&mut s, "d");
        keys(&mut s, &[Key::Down, Key::Tab]);
        assert_eq!(s.command.as_ref().unwrap().text, "profile dev");
    }

    #[test]
    fn region_reloads_and_an_unknown_command_keeps_the_line() {
        let mut s = loaded(3, 10);
        keys(&mut s, &[Key::Char(':')]);
        assert_eq!(s.key_context(), crate::app::keys::Context::Command);
        typed(&mut s, "region eu-west-1, us-east-1");
        let fx = keys(&mut s, &[Key::Enter]);
        assert_eq!(
            fx,
            vec![Effect::Reconnect {
                profile: None,
                regions: Some(vec!["eu-west-1".into(), "us-east-1".into()]),
            }]
        );
        assert!(s.command.is_none() && s.connecting);

        keys(&mut s, &[Key::Char(':')]);
        typed(&mut s, "region us-east1");
        assert!(keys(&mut s, &[Key::Enter]).is_empty());
        assert!(
            s.status
                .as_ref()
                .unwrap()
                .text
                .contains("not a region name")
        );

        keys(&mut s, &[Key::Ctrl('u')]);
        assert_eq!(s.command.as_ref().unwrap().text, "", "Ctrl-u erases");
        typed(&mut s, "frob");
        assert!(keys(&mut s, &[Key::Enter]).is_empty());
        assert_eq!(
            s.command.as_ref().unwrap().text,
            "frob",
            "nothing typed is lost"
        );
        let status = s.status.clone().unwrap();
        assert_eq!(status.level, StatusLevel::Error);
        assert!(status.text.contains("unknown command :frob"), "{status:?}");
        keys(&mut s, &[Key::Esc]);
        assert!(s.command.is_none(), "Esc cancels");
        assert!(!s.quit);
    }

    #[test]
    fn screens_by_name_and_quit() {
        let mut s = loaded(3, 10);
        keys(&mut s, &[Key::Char(':')]);
        typed(&mut s, "log");
        keys(&mut s, &[Key::Enter]);
        assert!(matches!(s.screen, Screen::Activity { .. }));
        keys(&mut s, &[Key::Char(':')]);
        typed(&mut s, "help");
        keys(&mut s, &[Key::Enter]);
        assert_eq!(s.help, Some(0));
        keys(&mut s, &[Key::Esc, Key::Char(':')]);
        typed(&mut s, "workbench");
        assert_eq!(keys(&mut s, &[Key::Enter]), vec![Effect::LoadMapping]);
        keys(&mut s, &[Key::Char(':')]);
        typed(&mut s, "q");
        assert_eq!(keys(&mut s, &[Key::Enter]), vec![Effect::Quit]);
    }

    #[test]
    fn mapping_completes_files_from_a_listing_and_loads_the_file() {
        let mut s = loaded(3, 10);
        keys(&mut s, &[Key::Char(':')]);
        let fx = typed(&mut s, "mapping ");
        assert_eq!(fx, vec![Effect::ListDir { dir: String::new() }]);
        update(
            &mut s,
            Msg::Listed(Listing {
                dir: String::new(),
                names: vec!["conf/".into(), "port-mapping.json".into()],
            }),
        );
        typed(&mut s, "p");
        keys(&mut s, &[Key::Tab]);
        assert_eq!(
            s.command.as_ref().unwrap().text,
            "mapping port-mapping.json"
        );
        let fx = keys(&mut s, &[Key::Enter]);
        assert_eq!(
            fx,
            vec![Effect::LoadMappingFrom {
                path: "port-mapping.json".into()
            }]
        );
        // Another directory is listed when it is typed.
        keys(&mut s, &[Key::Char(':')]);
        assert_eq!(
            typed(&mut s, "mapping conf/"),
            vec![Effect::ListDir {
                dir: "conf/".into()
            }]
        );
    }

    #[test]
    fn semantics_and_shape_need_the_workbench() {
        let mut s = loaded(3, 10);
        keys(&mut s, &[Key::Char(':')]);
        typed(&mut s, "semantics ocean");
        assert!(keys(&mut s, &[Key::Enter]).is_empty());
        assert!(
            s.status
                .as_ref()
                .unwrap()
                .text
                .contains("no mapping is open")
        );
        keys(&mut s, &[Key::Ctrl('u')]);
        typed(&mut s, "semantics jq");
        keys(&mut s, &[Key::Enter]);
        assert!(
            s.status
                .as_ref()
                .unwrap()
                .text
                .contains("exporter or ocean")
        );
    }
}
