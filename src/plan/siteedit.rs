//! Where an edit of a site file lands: the edits a person would make by hand, on a
//! `toml_edit` document that keeps every comment and blank line of the file.
//!
//! A value that exists is replaced where it stands, its comment kept. A key that does not exist
//! is written where its commented-out line (`# servers = 8`) stood, which it replaces, so that
//! no comment is left showing another value; else after the table's last key. A new table goes
//! where a person would put it: a pool after the last `[[pools]]` of its scope, or in place of
//! the commented-out `# [[pools]]` example `miniogen init` writes; any other table at the end of
//! its scope (the file's shared tables, or one environment's), after the comments that document
//! the table before it and never between a table and its commented-out keys. Which values to
//! write is `daytwo`'s decision; this module only places them. No IO.

use std::ops::Range;

use toml_edit::{ArrayOfTables, DocumentMut, InlineTable, Item, Table, TableLike, Value};

/// One header table: each key of its path, with the element for an array of tables.
type Slot = Vec<(String, Option<usize>)>;

/// Where the comments after a table's keys live: the prefix of the next header shown, or the
/// end of the file.
#[derive(Debug, Clone, PartialEq)]
enum Tail {
    Header(Slot),
    Trailing,
}

/// An editor of one scope of a site file: the shared keys (`[]`) or an environment's
/// (`["environments", "production"]`).
pub struct Edit<'a> {
    doc: &'a mut DocumentMut,
    scope: Vec<String>,
}

impl<'a> Edit<'a> {
    /// An editor of `scope` in `doc`; the scope's table must exist.
    pub fn new(doc: &'a mut DocumentMut, scope: &[&str]) -> Result<Self, String> {
        let mut item = doc.as_item();
        for key in scope {
            item = item
                .get(key)
                .filter(|i| i.is_table_like())
                .ok_or_else(|| format!("the site file has no table `[{}]`", scope.join(".")))?;
        }
        if !item.is_table_like() {
            return Err("the site file is not a TOML table".into());
        }
        Ok(Self {
            doc,
            scope: scope.iter().map(ToString::to_string).collect(),
        })
    }

    /// Sets `key` of the table `sub` (a path inside the scope, created when missing) to
    /// `value`, where a person would write it.
    pub fn set(&mut self, sub: &[&str], key: &str, value: Value) -> Result<(), String> {
        for depth in 0..sub.len() {
            self.ensure_table(&sub[..depth], sub[depth])?;
        }
        let path: Vec<String> = self
            .scope
            .iter()
            .cloned()
            .chain(sub.iter().map(ToString::to_string))
            .collect();
        if let Some(slot) = header_slot(self.doc, &path) {
            set_in_header(self.doc, &slot, key, value);
        } else {
            let table = table_like_mut(self.doc, &path)
                .ok_or_else(|| format!("`{}` in the site file is not a table", path.join(".")))?;
            replace_or_insert(table, key, value);
        }
        Ok(())
    }

    /// Appends `tables` to the list of tables `key` of the scope (`pools`): after its last
    /// entry, or in place of its commented-out example, or at the end of the scope; a list
    /// written inline gets inline entries.
    pub fn append(&mut self, key: &str, tables: Vec<Table>) -> Result<(), String> {
        let scope = self.scope.clone();
        let Some(scope_slot) = header_slot(self.doc, &scope) else {
            let table = table_like_mut(self.doc, &scope)
                .ok_or_else(|| "the site file is not a TOML table".to_string())?;
            return append_inline(table, key, tables);
        };
        let count = match table_mut(self.doc, &scope_slot).and_then(|t| t.get(key)) {
            None => 0,
            Some(Item::ArrayOfTables(list)) => list.len(),
            Some(Item::Value(Value::Array(_))) => {
                let table = table_like_mut(self.doc, &scope)
                    .ok_or_else(|| "the site file is not a TOML table".to_string())?;
                return append_inline(table, key, tables);
            }
            Some(_) => return Err(format!("`{key}` in the site file is not a list of tables")),
        };
        let dotted = dotted_path(&scope, key);
        let mut place = if count > 0 {
            let mut last = scope_slot.clone();
            last.push((key.to_string(), Some(count - 1)));
            Place::After(last)
        } else {
            commented_example(self.doc, &dotted).map_or_else(
                || Place::After(last_of_scope(self.doc, &scope)),
                Place::Instead,
            )
        };
        for (i, table) in tables.into_iter().enumerate() {
            let parent = table_mut(self.doc, &scope_slot)
                .ok_or_else(|| "the site file is not a TOML table".to_string())?;
            if let Some(Item::ArrayOfTables(list)) = parent.get_mut(key) {
                list.push(table);
            } else {
                let mut list = ArrayOfTables::new();
                list.push(table);
                parent.insert(key, Item::ArrayOfTables(list));
            }
            let mut slot = scope_slot.clone();
            slot.push((key.to_string(), Some(count + i)));
            put(self.doc, &slot, &place);
            place = Place::After(slot);
        }
        Ok(())
    }

    /// Creates the header table `key` under `sub` of the scope when missing: at the end of the
    /// scope, or inline inside an inline table.
    fn ensure_table(&mut self, sub: &[&str], key: &str) -> Result<(), String> {
        let path: Vec<String> = self
            .scope
            .iter()
            .cloned()
            .chain(sub.iter().map(ToString::to_string))
            .collect();
        let Some(parent_slot) = header_slot(self.doc, &path) else {
            let parent = table_like_mut(self.doc, &path)
                .ok_or_else(|| format!("`{}` in the site file is not a table", path.join(".")))?;
            if parent.get(key).is_none() {
                parent.insert(key, Item::Value(InlineTable::new().into()));
            }
            return parent
                .get(key)
                .filter(|i| i.is_table_like())
                .map(|_| ())
                .ok_or_else(|| format!("`{key}` in the site file is not a table"));
        };
        let parent = table_mut(self.doc, &parent_slot)
            .ok_or_else(|| format!("`{}` in the site file is not a table", path.join(".")))?;
        match parent.get(key) {
            Some(item) if item.is_table_like() => return Ok(()),
            Some(_) => return Err(format!("`{key}` in the site file is not a table")),
            None => {}
        }
        // After the parent's own tables: `[sizing.resources.limits]` after `[sizing]`'s.
        let place = Place::After(last_of_scope(self.doc, &path));
        let parent = table_mut(self.doc, &parent_slot)
            .ok_or_else(|| format!("`{}` in the site file is not a table", path.join(".")))?;
        let mut table = Table::new();
        // Shown only once it holds a value: `[sizing.resources]` stays out of the file when
        // only `[sizing.resources.limits]` has keys.
        table.set_implicit(true);
        parent.insert(key, Item::Table(table));
        let mut slot = parent_slot;
        slot.push((key.to_string(), None));
        put(self.doc, &slot, &place);
        Ok(())
    }
}

/// Where a new header table goes.
#[derive(Debug, Clone)]
enum Place {
    /// Right after this table and the comments that document it.
    After(Slot),
    /// In place of a commented-out example: the comments it is found in, and its lines.
    Instead((Tail, Range<usize>)),
}

/// Positions the new table at `slot` at `place`, moving the comments around it so that each
/// stays with the table it documents.
fn put(doc: &mut DocumentMut, slot: &Slot, place: &Place) {
    // Every other table in order first, the new one (at the end of the order) left out.
    let order: Vec<Slot> = shown(doc).into_iter().filter(|s| s != slot).collect();
    for (rank, other) in order.iter().enumerate() {
        if let Some(t) = table_mut(doc, other) {
            t.set_position(Some(to_position(rank * 2)));
        }
    }
    let (rank, prefix) = match place {
        Place::After(after) => {
            let rank = order
                .iter()
                .position(|s| s == after)
                .unwrap_or(order.len() - 1);
            let tail = tail_after(&order, rank);
            let text = tail_text(doc, &tail);
            let own = dotted(after);
            let split = own_comments(&text, &own, tail != Tail::Trailing);
            let (before, rest) = text.split_at(split);
            let before = before.trim_end_matches(['\n', '\r', ' ', '\t']);
            let before = if before.is_empty() {
                String::new()
            } else {
                format!("{before}\n")
            };
            let rest = rest.to_string();
            set_tail_text(doc, &tail, &separated(&rest, &tail));
            (rank * 2 + 1, format!("{before}\n"))
        }
        Place::Instead((tail, range)) => {
            let text = tail_text(doc, tail);
            let before = text[..range.start].to_string();
            let rest = text[range.end..].to_string();
            set_tail_text(doc, tail, &separated(&rest, tail));
            let rank = match tail {
                Tail::Header(next) => {
                    order.iter().position(|s| s == next).unwrap_or(order.len()) * 2
                }
                Tail::Trailing => order.len() * 2,
            };
            let before = if before.trim().is_empty() {
                "\n".to_string()
            } else {
                before
            };
            (rank.saturating_sub(1), before)
        }
    };
    if let Some(table) = table_mut(doc, slot) {
        table.set_position(Some(to_position(rank)));
        table.decor_mut().set_prefix(prefix);
    }
}

/// The comments before a header, beginning with a blank line; at the end of the file, as they
/// are.
fn separated(text: &str, tail: &Tail) -> String {
    let blank = text.starts_with('\n') || text.starts_with("\r\n");
    if blank || (*tail == Tail::Trailing) {
        text.to_string()
    } else {
        format!("\n{text}")
    }
}

fn to_position(n: usize) -> isize {
    isize::try_from(n).unwrap_or(isize::MAX)
}

/// The last table shown under `scope`: its own and its sub-tables' (an environment's, or
/// `[sizing]` and `[sizing.resources.limits]`), or every table outside `environments` for the
/// shared scope; the scope's own table when it has none.
fn last_of_scope(doc: &DocumentMut, scope: &[String]) -> Slot {
    let order = shown(doc);
    // A scope with no table shown (`[sizing.resources]`, implicit) ends where its parent's do.
    for depth in (0..=scope.len()).rev() {
        let prefix = &scope[..depth];
        let last = order.iter().rev().find(|slot| {
            if prefix.is_empty() {
                slot.first().is_none_or(|(k, _)| k != "environments")
            } else {
                slot.len() >= prefix.len() && slot.iter().zip(prefix).all(|((k, _), s)| k == s)
            }
        });
        if let Some(last) = last {
            return last.clone();
        }
    }
    Slot::new()
}

/// The comments `# [[<path>]]` of `miniogen init`'s commented-out example, with its lines up to
/// the next blank line.
fn commented_example(doc: &DocumentMut, path: &str) -> Option<(Tail, Range<usize>)> {
    let order = shown(doc);
    let tails = order
        .iter()
        .skip(1)
        .map(|s| Tail::Header(s.clone()))
        .chain(std::iter::once(Tail::Trailing));
    for tail in tails {
        let text = tail_text(doc, &tail);
        let mut offset = 0;
        let mut start = None;
        for line in text.split_inclusive('\n') {
            let end = offset + line.len();
            match start {
                None if commented_header(line).as_deref() == Some(path) => start = Some(offset),
                Some(s) if line.trim().is_empty() || !line.trim_start().starts_with('#') => {
                    return Some((tail, s..offset));
                }
                _ => {}
            }
            offset = end;
        }
        if let Some(s) = start {
            return Some((tail, s..text.len()));
        }
    }
    None
}

/// Sets `key` of the header table at `slot`.
fn set_in_header(doc: &mut DocumentMut, slot: &Slot, key: &str, value: Value) {
    let order = shown(doc);
    let Some(table) = table_mut(doc, slot) else {
        return;
    };
    if table.contains_key(key) {
        replace_or_insert(table, key, value);
        return;
    }
    // Its commented-out line among the comments above one of the table's keys.
    let keys: Vec<String> = table
        .iter()
        .filter(|(_, item)| item.is_value())
        .map(|(k, _)| k.to_string())
        .collect();
    for (i, other) in keys.iter().enumerate() {
        let prefix = table
            .key(other)
            .and_then(|k| k.leaf_decor().prefix())
            .and_then(|p| p.as_str())
            .unwrap_or_default()
            .to_string();
        if let Some(range) = commented_key(&prefix, key) {
            table.insert(key, Item::Value(value));
            if let Some(mut k) = table.key_mut(key) {
                k.leaf_decor_mut().set_prefix(&prefix[..range.start]);
            }
            if let Some(mut k) = table.key_mut(other) {
                k.leaf_decor_mut().set_prefix(&prefix[range.end..]);
            }
            // The new key goes right before the one whose comments held its line.
            let rank = |k: &str| {
                if k == key {
                    2 * i
                } else {
                    keys.iter()
                        .position(|x| x == k)
                        .map_or(usize::MAX, |j| 2 * j + 1)
                }
            };
            table.sort_values_by(|a, _, b, _| rank(a.get()).cmp(&rank(b.get())));
            return;
        }
        if prefix.lines().any(|l| commented_header(l).is_some()) {
            break;
        }
    }
    // Its commented-out line after the table's last key.
    let Some(rank) = order.iter().position(|s| s == slot) else {
        table.insert(key, Item::Value(value));
        return;
    };
    let tail = tail_after(&order, rank);
    let text = tail_text(doc, &tail);
    let found = commented_key(&text, key);
    let Some(table) = table_mut(doc, slot) else {
        return;
    };
    table.insert(key, Item::Value(value));
    if let Some(range) = found {
        if let Some(mut k) = table.key_mut(key) {
            k.leaf_decor_mut().set_prefix(&text[..range.start]);
        }
        set_tail_text(doc, &tail, &text[range.end..]);
    }
}

/// Sets `key`, keeping the comment after an existing value.
pub fn replace_or_insert(table: &mut dyn TableLike, key: &str, value: Value) {
    if let Some(old) = table.get_mut(key).and_then(Item::as_value_mut) {
        let decor = old.decor().clone();
        *old = value;
        *old.decor_mut() = decor;
    } else {
        table.insert(key, Item::Value(value));
    }
}

fn append_inline(table: &mut dyn TableLike, key: &str, tables: Vec<Table>) -> Result<(), String> {
    let inline = |t: Table| -> Value { t.into_inline_table().into() };
    match table.get_mut(key) {
        Some(Item::Value(Value::Array(list))) => {
            for t in tables {
                list.push(inline(t));
            }
            Ok(())
        }
        Some(_) => Err(format!("`{key}` in the site file is not a list of tables")),
        None => {
            let mut list = toml_edit::Array::new();
            for t in tables {
                list.push(inline(t));
            }
            table.insert(key, Item::Value(list.into()));
            Ok(())
        }
    }
}

/// The byte range of the line `# key = ...` in `text`, before any commented-out table header.
fn commented_key(text: &str, key: &str) -> Option<Range<usize>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if commented_header(line).is_some() {
            return None;
        }
        let found = line
            .trim()
            .strip_prefix('#')
            .map(str::trim_start)
            .and_then(|rest| rest.strip_prefix(key))
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        if found {
            return Some(offset..offset + line.len());
        }
        offset += line.len();
    }
    None
}

/// The dotted path of a commented-out table header, `# [a.b]` or `# [[a.b]]`.
fn commented_header(line: &str) -> Option<String> {
    let rest = line.trim().strip_prefix('#')?.trim();
    let inner = rest
        .strip_prefix("[[")
        .and_then(|r| r.strip_suffix("]]"))
        .or_else(|| rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')))?;
    let parts: Vec<&str> = inner.split('.').map(str::trim).collect();
    parts
        .iter()
        .all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '"')
        })
        .then(|| parts.join(".").replace('"', ""))
}

/// How many bytes of the comments after table `own` document it: its own commented-out keys
/// and sub-tables and its notes, up to the first paragraph that shows another table's
/// commented-out header, or (with `next_header`) the paragraph right above the next header.
fn own_comments(text: &str, own: &str, next_header: bool) -> usize {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut offset = 0;
    let mut in_paragraph = false;
    let mut split = text.len();
    for (i, line) in lines.iter().enumerate() {
        let blank = line.trim().is_empty();
        if !blank && !in_paragraph {
            in_paragraph = true;
            // The blank lines before it go with it.
            let mut start = offset;
            for previous in lines[..i].iter().rev() {
                if !previous.trim().is_empty() {
                    break;
                }
                start -= previous.len();
            }
            let end = lines[i..]
                .iter()
                .take_while(|l| !l.trim().is_empty())
                .map(|l| l.len())
                .sum::<usize>();
            let paragraph = &text[offset..offset + end];
            let foreign = paragraph.lines().any(|l| {
                commented_header(l).is_some_and(|p| {
                    own.is_empty() || (p != own && !p.starts_with(&format!("{own}.")))
                })
            });
            let last = offset + end == text.len();
            if foreign || (next_header && last) {
                split = start;
                break;
            }
        } else if blank {
            in_paragraph = false;
        }
        offset += line.len();
    }
    split
}

/// The dotted path of a table, array elements left out: `environments.production.pools`.
fn dotted(slot: &Slot) -> String {
    slot.iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

fn dotted_path(scope: &[String], key: &str) -> String {
    scope
        .iter()
        .map(String::as_str)
        .chain(std::iter::once(key))
        .collect::<Vec<_>>()
        .join(".")
}

fn tail_after(order: &[Slot], rank: usize) -> Tail {
    order
        .get(rank + 1)
        .map_or(Tail::Trailing, |s| Tail::Header(s.clone()))
}

fn tail_text(doc: &DocumentMut, tail: &Tail) -> String {
    match tail {
        Tail::Trailing => doc.trailing().as_str().unwrap_or_default().to_string(),
        Tail::Header(slot) => table(doc, slot)
            .and_then(|t| t.decor().prefix())
            .map_or_else(
                || "\n".to_string(),
                |p| p.as_str().unwrap_or("\n").to_string(),
            ),
    }
}

fn set_tail_text(doc: &mut DocumentMut, tail: &Tail, text: &str) {
    match tail {
        Tail::Trailing => doc.set_trailing(text),
        Tail::Header(slot) => {
            if let Some(t) = table_mut(doc, slot) {
                t.decor_mut().set_prefix(text);
            }
        }
    }
}

/// Every header table shown, in the order `toml_edit` prints them (`DocumentMut`'s `Display`:
/// tables in tree order, each without a position taking the one before it, sorted by position),
/// the root first.
fn shown(doc: &DocumentMut) -> Vec<Slot> {
    fn walk(table: &Table, slot: &mut Slot, last: &mut isize, out: &mut Vec<(isize, Slot, bool)>) {
        if !table.is_dotted() {
            if let Some(p) = table.position() {
                *last = p;
            }
            let visible = !(table.is_implicit() && table.get_values().is_empty());
            out.push((*last, slot.clone(), visible));
        }
        for (key, item) in table {
            match item {
                Item::Table(t) => {
                    slot.push((key.to_string(), None));
                    walk(t, slot, last, out);
                    slot.pop();
                }
                Item::ArrayOfTables(entries) => {
                    for (i, t) in entries.iter().enumerate() {
                        slot.push((key.to_string(), Some(i)));
                        walk(t, slot, last, out);
                        slot.pop();
                    }
                }
                _ => {}
            }
        }
    }
    let mut all = Vec::new();
    let mut last = 0;
    walk(doc.as_table(), &mut Vec::new(), &mut last, &mut all);
    all.sort_by_key(|(position, slot, _)| (!slot.is_empty(), *position));
    all.into_iter()
        .filter(|(_, slot, visible)| *visible || slot.is_empty())
        .map(|(_, slot, _)| slot)
        .collect()
}

/// The header table at `path` (each key a table, none an array), if it is one.
fn header_slot(doc: &DocumentMut, path: &[String]) -> Option<Slot> {
    let mut t = doc.as_table();
    for key in path {
        t = match t.get(key)? {
            Item::Table(inner) if !inner.is_dotted() => inner,
            Item::Table(inner) if inner.is_dotted() => return None,
            _ => return None,
        };
    }
    Some(path.iter().map(|k| (k.clone(), None)).collect())
}

fn table<'a>(doc: &'a DocumentMut, slot: &Slot) -> Option<&'a Table> {
    let mut t = doc.as_table();
    for (key, index) in slot {
        t = match (t.get(key)?, index) {
            (Item::Table(inner), None) => inner,
            (Item::ArrayOfTables(list), Some(i)) => list.get(*i)?,
            _ => return None,
        };
    }
    Some(t)
}

fn table_mut<'a>(doc: &'a mut DocumentMut, slot: &Slot) -> Option<&'a mut Table> {
    let mut t = doc.as_table_mut();
    for (key, index) in slot {
        t = match (t.get_mut(key)?, index) {
            (Item::Table(inner), None) => inner,
            (Item::ArrayOfTables(list), Some(i)) => list.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(t)
}

fn table_like_mut<'a>(doc: &'a mut DocumentMut, path: &[String]) -> Option<&'a mut dyn TableLike> {
    let mut item = doc.as_item_mut();
    for key in path {
        item = item.get_mut(key.as_str())?;
    }
    item.as_table_like_mut()
}

/// `edited` with the line endings of `original`: CRLF throughout when the original file breaks
/// more lines with CRLF than with LF alone (the lines an edit adds come with LF), so that a CRLF
/// file stays CRLF.
#[must_use]
pub fn line_endings_like(original: &str, edited: &str) -> String {
    let crlf = original.matches("\r\n").count();
    let lf = original.matches('\n').count() - crlf;
    if crlf > lf {
        edited.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        edited.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> DocumentMut {
        text.parse().unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    fn pool(name: &str) -> Table {
        let mut t = Table::new();
        t.insert("name", Item::Value(name.into()));
        t.insert("servers", Item::Value(8.into()));
        t
    }

    /// A key written where its commented-out line stood, which it replaces: no comment is left
    /// showing another value (issue 26: `servers = 4` above `# servers = 8`).
    #[test]
    fn a_key_replaces_its_commented_out_line() {
        let mut d = doc(
            "[sizing]\n# Servers.\n# servers = 8\n\n# Volumes.\n# volumes_per_server = 4\n\n# Size.\nvolume_size = \"1Ti\"\n\n[users]\nx = 1\n",
        );
        let mut edit = Edit::new(&mut d, &[]).unwrap_or_else(|e| panic!("{e}"));
        for (key, value) in [("servers", 4), ("volumes_per_server", 2)] {
            edit.set(&["sizing"], key, value.into())
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(
            d.to_string(),
            "[sizing]\n# Servers.\nservers = 4\n\n# Volumes.\nvolumes_per_server = 2\n\n# Size.\nvolume_size = \"1Ti\"\n\n[users]\nx = 1\n"
        );
        // After the table's last key, and not past a commented-out sub-table's header.
        let mut d = doc(
            "[tenant]\nname = \"t\"\n# image = \"x\"\n# [tenant.ca]\n# kind = \"Secret\"\n\n[sizing]\n",
        );
        let mut edit = Edit::new(&mut d, &[]).unwrap_or_else(|e| panic!("{e}"));
        edit.set(&["tenant"], "image", "y".into())
            .unwrap_or_else(|e| panic!("{e}"));
        edit.set(&["tenant"], "kind", "z".into())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            d.to_string(),
            "[tenant]\nname = \"t\"\nimage = \"y\"\nkind = \"z\"\n# [tenant.ca]\n# kind = \"Secret\"\n\n[sizing]\n"
        );
    }

    /// A new pool after the last `[[pools]]`, before the documentation of what follows it.
    #[test]
    fn a_pool_goes_after_the_last_pool() {
        let mut d = doc(
            "[[pools]]\nname = \"pool-1\"\n\n# Buckets.\n# [[buckets]]\n# name = \"a\"\n\n# Users.\n[users]\nx = 1\n",
        );
        let mut edit = Edit::new(&mut d, &[]).unwrap_or_else(|e| panic!("{e}"));
        edit.append("pools", vec![pool("pool-2")])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            d.to_string(),
            "[[pools]]\nname = \"pool-1\"\n\n[[pools]]\nname = \"pool-2\"\nservers = 8\n\n# Buckets.\n# [[buckets]]\n# name = \"a\"\n\n# Users.\n[users]\nx = 1\n"
        );
    }

    /// The first pool in place of `init`'s commented-out example, under its documentation.
    #[test]
    fn the_first_pool_replaces_the_commented_out_example() {
        let mut d = doc(
            "[sizing]\nservers = 4\n# parity = 4\n\n# Additional pools.\n# [[pools]]\n# Pool name.\n# name = \"pool-1\"\n# servers = 4\n\n# Buckets.\n# [[buckets]]\n\n[users]\n",
        );
        let mut edit = Edit::new(&mut d, &[]).unwrap_or_else(|e| panic!("{e}"));
        edit.append("pools", vec![pool("pool-1"), pool("pool-2")])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            d.to_string(),
            "[sizing]\nservers = 4\n# parity = 4\n\n# Additional pools.\n[[pools]]\nname = \"pool-1\"\nservers = 8\n\n[[pools]]\nname = \"pool-2\"\nservers = 8\n\n# Buckets.\n# [[buckets]]\n\n[users]\n"
        );
    }

    /// At the end of the file, after the commented-out sub-tables that document the last table
    /// (issue 26: `[[pools]]` inside the secrets documentation); an environment's tables at the
    /// end of that environment, the next one's documentation staying with it.
    #[test]
    fn new_tables_go_at_the_end_of_their_scope() {
        let text = "ccu = 1\n\n[secrets.remote_keys]\n\n# Root.\n# [secrets.remote_keys.root]\n# key = \"k\"\n";
        let mut d = doc(text);
        let mut edit = Edit::new(&mut d, &[]).unwrap_or_else(|e| panic!("{e}"));
        edit.set(&["sizing"], "servers", 4.into())
            .unwrap_or_else(|e| panic!("{e}"));
        edit.append("pools", vec![pool("pool-1")])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            d.to_string(),
            format!("{text}\n[sizing]\nservers = 4\n\n[[pools]]\nname = \"pool-1\"\nservers = 8\n")
        );

        let mut d = doc(
            "[tenant]\nname = \"t\"\n\n[environments.a]\nccu = 1 # was 5\n# a note on a\n\n# The b environment.\n[environments.b]\nccu = 2\n",
        );
        let mut edit = Edit::new(&mut d, &["environments", "a"]).unwrap_or_else(|e| panic!("{e}"));
        edit.set(&["sizing"], "servers", 4.into())
            .unwrap_or_else(|e| panic!("{e}"));
        edit.append("pools", vec![pool("pool-1")])
            .unwrap_or_else(|e| panic!("{e}"));
        let mut edit = Edit::new(&mut d, &[]).unwrap_or_else(|e| panic!("{e}"));
        edit.set(&["sizing"], "servers", 8.into())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            d.to_string(),
            "[tenant]\nname = \"t\"\n\n[sizing]\nservers = 8\n\n[environments.a]\nccu = 1 # was 5\n# a note on a\n\n[environments.a.sizing]\nservers = 4\n\n[[environments.a.pools]]\nname = \"pool-1\"\nservers = 8\n\n# The b environment.\n[environments.b]\nccu = 2\n"
        );
    }

    /// A new sub-table after its parent's tables, the tables in between left out until they
    /// hold a value.
    #[test]
    fn a_sub_table_goes_after_its_parent() {
        let mut d = doc("[sizing]\nservers = 4\n\n[users]\nx = 1\n");
        let mut edit = Edit::new(&mut d, &[]).unwrap_or_else(|e| panic!("{e}"));
        edit.set(&["sizing", "resources", "limits"], "cpu", "4".into())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            d.to_string(),
            "[sizing]\nservers = 4\n\n[sizing.resources.limits]\ncpu = \"4\"\n\n[users]\nx = 1\n"
        );
    }

    #[test]
    fn a_crlf_file_stays_crlf() {
        let original = "a = 1\r\n# x\r\n";
        assert_eq!(
            line_endings_like(original, "a = 2\r\n# x\r\n\n[b]\nc = 1\n"),
            "a = 2\r\n# x\r\n\r\n[b]\r\nc = 1\r\n"
        );
        assert_eq!(line_endings_like("a = 1\n", "a = 2\n[b]\n"), "a = 2\n[b]\n");
    }
}
