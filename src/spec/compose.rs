//! A folder of policy files composed into one: every section with the file and place it was
//! written, not yet checked. Single-valued sections may be defined in one file only; list
//! sections concatenate in file order.

use super::diagnostics::{Code, Diagnostics, Pos};
use super::load::LoadedFile;
use super::sections;

/// A value together with where it was written.
#[derive(Debug, Clone)]
pub struct Located<T> {
    pub value: T,
    pub file: usize,
    /// JSON pointer of the value inside its file.
    pub pointer: String,
}

macro_rules! located_type {
    (single, $ty:ty) => { Option<Located<$ty>> };
    (list, $ty:ty) => { Option<Vec<Located<$ty>>> };
}

macro_rules! compose_field {
    (single, $slot:expr, $value:expr, $at:expr, $files:expr, $d:expr, $name:expr) => {
        single(&mut $slot, $value, $at, $files, $d, $name)
    };
    (list, $slot:expr, $value:expr, $at:expr, $files:expr, $d:expr, $name:expr) => {
        list(&mut $slot, $value, $at)
    };
}

macro_rules! define_composed {
    (
        top { $( $(#[$doc:meta])* $how:ident $field:ident : $ty:ty; )* }
        integrations { $( $(#[$idoc:meta])* $ihow:ident $ifield:ident : $ity:ty; )* }
    ) => {
        /// All policy files composed into one.
        #[derive(Debug, Clone, Default)]
        pub struct Composed {
            pub files: Vec<LoadedFile>,
            /// Files read, including those that could not be loaded.
            pub files_read: usize,
            /// Some file had a part left out for errors.
            pub partial: bool,
            $( pub $field: located_type!($how, $ty), )*
            $( pub $ifield: located_type!($ihow, $ity), )*
        }

        impl Composed {
            fn add(&mut self, i: usize, files: &[LoadedFile], d: &mut Diagnostics) {
                let c = files[i].content.clone();
                $(
                    compose_field!($how, self.$field, c.$field, (i, concat!("/", stringify!($field))), files, d, stringify!($field));
                )*
                if let Some(int) = c.integrations {
                    $(
                        compose_field!($ihow, self.$ifield, int.$ifield, (i, concat!("/integrations/", stringify!($ifield))), files, d, concat!("integrations.", stringify!($ifield)));
                    )*
                }
            }
        }
    };
}

sections::with_sections!(define_composed);

impl Composed {
    pub fn pos<T>(&self, at: &Located<T>, sub: &str) -> Pos {
        self.files[at.file].map.pos(&format!("{}{sub}", at.pointer))
    }
    pub fn key_pos<T>(&self, at: &Located<T>) -> Pos {
        self.files[at.file].map.key_pos(&at.pointer)
    }
    /// Position of a key inside a located value (`sub` is a JSON pointer below it).
    pub fn key_pos_at<T>(&self, at: &Located<T>, sub: &str) -> Pos {
        self.files[at.file]
            .map
            .key_pos(&format!("{}{sub}", at.pointer))
    }
    /// Where the first file starts: for problems of the policy as a whole.
    pub fn start(&self) -> Option<Pos> {
        self.files.first().map(|f| Pos::file(f.path.clone()))
    }
}

/// Composes loaded files in order.
pub fn compose(files: Vec<LoadedFile>, d: &mut Diagnostics) -> Composed {
    let mut p = Composed {
        partial: files.iter().any(|f| f.partial),
        ..Composed::default()
    };
    for i in 0..files.len() {
        p.add(i, &files, d);
    }
    p.files = files;
    p
}

fn single<T>(
    slot: &mut Option<Located<T>>,
    value: Option<T>,
    (file, pointer): (usize, &str),
    files: &[LoadedFile],
    d: &mut Diagnostics,
    what: &str,
) {
    let Some(value) = value else { return };
    if let Some(prev) = slot {
        let first = files[prev.file].map.key_pos(&prev.pointer);
        let here = files[file].map.key_pos(pointer);
        d.error(
            &here,
            Code::DefinedTwice,
            format!("`{what}` is defined twice: here and at {first}; a section may be defined in one file only"),
        );
        return;
    }
    *slot = Some(Located {
        value,
        file,
        pointer: pointer.to_string(),
    });
}

fn list<T>(
    slot: &mut Option<Vec<Located<T>>>,
    values: Option<Vec<T>>,
    (file, base): (usize, &str),
) {
    let Some(values) = values else { return };
    let out = slot.get_or_insert_with(Vec::new);
    out.extend(values.into_iter().enumerate().map(|(i, value)| Located {
        value,
        file,
        pointer: format!("{base}/{i}"),
    }));
}
