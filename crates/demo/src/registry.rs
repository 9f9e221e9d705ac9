//! Demo data: the real hierarchies of Rwanda (5 provinces, 30 districts, 416 sectors) and
//! Cameroon (10 regions, 58 divisions, 360 subdivisions) with generated schools, people,
//! positions and accounts. Deterministic for a given seed: the same seed gives the same
//! database, row for row.
//!
//! National scale follows Rwanda's published figures (4,986 schools: 2,077
//! government-aided, 1,569 public, 1,340 private; about 110,000 staff, 51.3% men).

use chrono::{NaiveDate, Utc};
use opencpd_kernel::accounts::hash_password;
use opencpd_kernel::bulk::{self, Cell};
use opencpd_kernel::{Db, Error, Result, Tx, on_db, on_tx};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

const RWANDA: &str = include_str!("../../../data/rwanda/sectors.csv");
const CAMEROON: &str = include_str!("../../../data/cameroon/arrondissements.csv");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Every unit, schools in Kigali and around Bertoua: a few thousand rows.
    Small,
    /// Rwanda at national scale: about 5,000 schools and 110,000 people.
    National,
}

impl Scale {
    pub fn parse(input: &str) -> Result<Scale> {
        match input.trim().to_lowercase().as_str() {
            "small" => Ok(Scale::Small),
            "national" => Ok(Scale::National),
            other => Err(opencpd_domain::Problem::new("bad-choice")
                .in_column("scale")
                .with_value(other)
                .arg("allowed", "small, national")
                .into()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DemoConfig {
    pub scale: Scale,
    pub seed: u64,
    /// The password of every demo account.
    pub password: String,
}

/// A demo account, to print.
#[derive(Debug, Clone, Serialize)]
pub struct DemoAccount {
    pub username: String,
    pub role: &'static str,
    pub scope: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    pub units: u64,
    pub schools: u64,
    pub people: u64,
    pub positions: u64,
    pub accounts: Vec<DemoAccount>,
}

const GIVEN_F_RW: &[&str] = &[
    "Aline",
    "Claudine",
    "Diane",
    "Esperance",
    "Grace",
    "Immaculee",
    "Josiane",
    "Jeanne",
    "Louise",
    "Marie Claire",
    "Odette",
    "Pascasie",
    "Solange",
    "Vestine",
    "Clementine",
    "Chantal",
    "Francine",
    "Alice",
    "Agnes",
    "Beatrice",
    "Consolata",
    "Devota",
    "Epiphanie",
    "Florence",
    "Gloriose",
    "Honorine",
    "Jacqueline",
    "Annonciata",
];
const GIVEN_M_RW: &[&str] = &[
    "Jean Bosco",
    "Emmanuel",
    "Eric",
    "Fabrice",
    "Jean Claude",
    "Innocent",
    "Theoneste",
    "Pierre",
    "Olivier",
    "Patrick",
    "Samuel",
    "Vincent",
    "Alexis",
    "Celestin",
    "Damascene",
    "Evariste",
    "Felicien",
    "Gaspard",
    "Janvier",
    "Jean Pierre",
    "Protais",
    "Venuste",
    "Augustin",
    "Callixte",
    "Faustin",
    "Silas",
    "Gilbert",
];
const FAMILY_RW: &[&str] = &[
    "Uwase",
    "Habimana",
    "Mukamana",
    "Niyonzima",
    "Uwimana",
    "Nkurunziza",
    "Mukeshimana",
    "Hakizimana",
    "Ingabire",
    "Nsengiyumva",
    "Uwera",
    "Bizimana",
    "Mukandayisenga",
    "Ndayisaba",
    "Umutoni",
    "Niyitegeka",
    "Mugisha",
    "Iradukunda",
    "Nshimiyimana",
    "Uwamahoro",
    "Twagirayezu",
    "Munyaneza",
    "Kayitesi",
    "Rukundo",
    "Mutesi",
    "Ntawukuriryayo",
    "Nyiraneza",
    "Gasana",
    "Kamanzi",
    "Karangwa",
    "Mukamurenzi",
    "Sibomana",
];
const GIVEN_F_CM: &[&str] = &[
    "Aminatou", "Brigitte", "Carine", "Delphine", "Estelle", "Florence", "Gisele", "Hadiza", "Irene", "Josiane",
    "Laure", "Mireille", "Nadege", "Pauline", "Rachel", "Sandrine", "Therese", "Vanessa", "Yvonne", "Blessing",
];
const GIVEN_M_CM: &[&str] = &[
    "Alain",
    "Boris",
    "Christian",
    "Didier",
    "Emmanuel",
    "Francis",
    "Georges",
    "Hamadou",
    "Ibrahim",
    "Jacques",
    "Luc",
    "Martin",
    "Ndi",
    "Oumarou",
    "Paul",
    "Roger",
    "Serge",
    "Thierry",
    "Valentin",
    "Yannick",
];
const FAMILY_CM: &[&str] = &[
    "Mbarga",
    "Nkoulou",
    "Fotso",
    "Tchoupo",
    "Ngono",
    "Ewane",
    "Atangana",
    "Kamga",
    "Nana",
    "Onana",
    "Abena",
    "Bello",
    "Djoumessi",
    "Essomba",
    "Fouda",
    "Mballa",
    "Ngassa",
    "Tabi",
    "Njoya",
    "Manga",
    "Ayuk",
    "Tanyi",
];

/// A unit before it is written.
struct U {
    id: i64,
    parent: Option<i64>,
    country: &'static str,
    depth: i64,
    code: String,
    name: String,
    path: String,
}

/// Level, ownership and sub-system of a school.
type SchoolKind = (&'static str, &'static str, Option<&'static str>);

/// A school before it is written.
struct S {
    id: i64,
    code: String,
    name: String,
    unit: usize,
    level: &'static str,
    ownership: &'static str,
    subsystem: Option<&'static str>,
    lat: f64,
    lon: f64,
}

struct Builder {
    rng: ChaCha8Rng,
    units: Vec<U>,
    schools: Vec<S>,
    people: Vec<Vec<Cell>>,
    positions: Vec<Vec<Cell>>,
}

impl Builder {
    fn unit(&mut self, parent: Option<usize>, country: &'static str, code: String, name: &str) -> usize {
        let id = self.units.len() as i64 + 1;
        let (parent_id, parent_path, depth) = match parent {
            Some(i) => (Some(self.units[i].id), self.units[i].path.clone(), self.units[i].depth + 1),
            None => (None, "/".to_string(), 0),
        };
        self.units.push(U {
            id,
            parent: parent_id,
            country,
            depth,
            code,
            name: name.to_string(),
            path: format!("{parent_path}{id}/"),
        });
        self.units.len() - 1
    }

    fn pick<'a>(&mut self, list: &'a [&'a str]) -> &'a str {
        list[self.rng.random_range(0..list.len())]
    }

    fn date(&mut self, from_year: i32, to_year: i32) -> NaiveDate {
        let y = self.rng.random_range(from_year..=to_year);
        let m = self.rng.random_range(1..=12);
        let d = self.rng.random_range(1..=28);
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    /// Adds a person; returns their id.
    fn person(&mut self, country: &str, female_share: f64) -> i64 {
        let id = self.people.len() as i64 + 1;
        let female = self.rng.random_bool(female_share);
        let (given, family) = if country == "RW" {
            (if female { self.pick(GIVEN_F_RW) } else { self.pick(GIVEN_M_RW) }, self.pick(FAMILY_RW))
        } else {
            (if female { self.pick(GIVEN_F_CM) } else { self.pick(GIVEN_M_CM) }, self.pick(FAMILY_CM))
        };
        let birth = self.rng.random_range(1962..=2001i64);
        let phone = if country == "RW" {
            format!("+25078{:07}", self.rng.random_range(0..10_000_000))
        } else {
            format!("+2376{:08}", self.rng.random_range(0..100_000_000))
        };
        self.people.push(vec![
            Cell::from(id),
            Cell::from(format!("{country}{id:07}")),
            given.into(),
            family.into(),
            if female { "F" } else { "M" }.into(),
            Some(birth).into(),
            Some(phone).into(),
            Option::<String>::None.into(),
        ]);
        id
    }

    fn position(
        &mut self,
        person: i64,
        role: &str,
        school: Option<usize>,
        unit: Option<usize>,
        start: NaiveDate,
        end: Option<NaiveDate>,
    ) {
        let (school_id, unit_id, path) = match (school, unit) {
            (Some(s), _) => (Some(self.schools[s].id), None, self.units[self.schools[s].unit].path.clone()),
            (None, Some(u)) => (None, Some(self.units[u].id), self.units[u].path.clone()),
            _ => unreachable!("a position is at a school or a unit"),
        };
        self.positions.push(vec![
            Cell::from(person),
            role.into(),
            school_id.into(),
            unit_id.into(),
            path.into(),
            start.into(),
            end.into(),
        ]);
    }

    /// Adds a school of `kind` (level, ownership, sub-system) near `centre`.
    fn school(&mut self, unit: usize, code: String, name: String, kind: SchoolKind, centre: (f64, f64)) -> usize {
        let (level, ownership, subsystem) = kind;
        let id = self.schools.len() as i64 + 1;
        let lat = centre.0 + self.rng.random_range(-0.08..0.08);
        let lon = centre.1 + self.rng.random_range(-0.08..0.08);
        self.schools.push(S { id, code, name, unit, level, ownership, subsystem, lat, lon });
        self.schools.len() - 1
    }

    /// Staff for a school: a head teacher (some newly assigned, with their previous post
    /// kept as history), a deputy, a school-based mentor, subject leaders and teachers.
    fn staff(&mut self, school: usize, country: &'static str, teachers: usize) {
        let female_share = if country == "RW" { 0.487 } else { 0.45 };
        let head = self.person(country, 0.35);
        if self.rng.random_bool(0.12) && self.schools.len() > 1 {
            // Newly assigned this year; was deputy head at another school before.
            let other = self.rng.random_range(0..self.schools.len() - 1);
            let started = self.date(2012, 2019);
            self.position(
                head,
                "deputy_head",
                Some(other),
                None,
                started,
                Some(NaiveDate::from_ymd_opt(2024, 12, 31).expect("date")),
            );
            let start = NaiveDate::from_ymd_opt(2025, 1, 6).expect("date");
            self.position(head, "head_teacher", Some(school), None, start, None);
        } else {
            let start = self.date(2008, 2024);
            self.position(head, "head_teacher", Some(school), None, start, None);
        }
        for role in ["deputy_head", "school_based_mentor", "subject_leader"] {
            let p = self.person(country, female_share);
            let start = self.date(2010, 2025);
            self.position(p, role, Some(school), None, start, None);
        }
        for _ in 0..teachers {
            let p = self.person(country, female_share);
            let start = self.date(2005, 2025);
            self.position(p, "teacher", Some(school), None, start, None);
        }
    }
}

/// Approximate centres of Rwanda's provinces and Cameroon's regions, for plausible school
/// coordinates.
fn centre(country: &str, top: &str) -> (f64, f64) {
    match (country, top) {
        ("RW", "Umujyi wa Kigali") => (-1.95, 30.06),
        ("RW", "Amajyaruguru") => (-1.58, 29.85),
        ("RW", "Amajyepfo") => (-2.35, 29.74),
        ("RW", "Iburasirazuba") => (-1.85, 30.45),
        ("RW", "Iburengerazuba") => (-2.10, 29.35),
        ("CM", "Adamaoua") => (7.32, 13.58),
        ("CM", "Centre") => (3.87, 11.52),
        ("CM", "Est") => (4.58, 13.68),
        ("CM", "Extrême-Nord") => (10.59, 14.32),
        ("CM", "Littoral") => (4.05, 9.70),
        ("CM", "Nord") => (9.30, 13.40),
        ("CM", "Nord-Ouest") => (5.96, 10.15),
        ("CM", "Ouest") => (5.48, 10.42),
        ("CM", "Sud") => (2.92, 11.15),
        ("CM", "Sud-Ouest") => (4.16, 9.24),
        _ => (0.0, 0.0),
    }
}

fn records(text: &str) -> impl Iterator<Item = Vec<String>> + '_ {
    csv::Reader::from_reader(text.as_bytes())
        .into_records()
        .map(|r| r.expect("reference data is valid CSV").iter().map(str::to_string).collect())
}

/// Builds the demo into an empty database.
pub async fn build(db: &Db, config: &DemoConfig, progress: &(dyn Fn(&str, u64, u64) + Sync)) -> Result<DemoSummary> {
    let existing: i64 = on_db!(db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM units").fetch_one(p).await)?;
    if existing > 0 {
        return Err(Error::Conflict(
            opencpd_domain::Problem::new("conflict").arg("detail", "the database already has data; give an empty one"),
        ));
    }
    let mut b = Builder {
        rng: ChaCha8Rng::seed_from_u64(config.seed),
        units: Vec::new(),
        schools: Vec::new(),
        people: Vec::new(),
        positions: Vec::new(),
    };
    let national = config.scale == Scale::National;

    // Rwanda: country › province › district › sector.
    let rw = b.unit(None, "RW", "RW".into(), "Rwanda");
    let mut sectors_rw: Vec<(usize, String, usize)> = Vec::new(); // (unit, province name, district index)
    let (mut province, mut district) = (None::<(String, usize)>, None::<(String, usize)>);
    let (mut p_no, mut d_no, mut s_no) = (0, 0, 0);
    let mut district_units = Vec::new();
    for rec in records(RWANDA) {
        let (p, d, s) = (&rec[0], &rec[1], &rec[2]);
        if province.as_ref().is_none_or(|(name, _)| name != p) {
            p_no += 1;
            d_no = 0;
            let u = b.unit(Some(rw), "RW", format!("RW-{p_no}"), p);
            province = Some((p.clone(), u));
            district = None;
        }
        if district.as_ref().is_none_or(|(name, _)| name != d) {
            d_no += 1;
            s_no = 0;
            let parent = province.as_ref().expect("province").1;
            let u = b.unit(Some(parent), "RW", format!("RW-{p_no}{d_no:02}"), d);
            district = Some((d.clone(), u));
            district_units.push(u);
        }
        s_no += 1;
        let parent = district.as_ref().expect("district").1;
        let u = b.unit(Some(parent), "RW", format!("RW-{p_no}{d_no:02}{s_no:02}"), s);
        sectors_rw.push((u, p.clone(), district_units.len()));
    }

    // Cameroon: country › region › division › subdivision, with the official codes.
    let cm = b.unit(None, "CM", "CM".into(), "Cameroun");
    let mut subdivisions_cm: Vec<(usize, String)> = Vec::new();
    let (mut region, mut division) = (None::<(String, usize)>, None::<(String, usize)>);
    for rec in records(CAMEROON) {
        let (r_code, r_name, d_code, d_name, a_code, a_name) = (&rec[0], &rec[2], &rec[3], &rec[4], &rec[5], &rec[6]);
        if region.as_ref().is_none_or(|(c, _)| c != r_code) {
            let u = b.unit(Some(cm), "CM", r_code.clone(), r_name);
            region = Some((r_code.clone(), u));
        }
        if division.as_ref().is_none_or(|(c, _)| c != d_code) {
            let u = b.unit(Some(region.as_ref().expect("region").1), "CM", format!("CM-{d_code}"), d_name);
            division = Some((d_code.clone(), u));
        }
        let u = b.unit(Some(division.as_ref().expect("division").1), "CM", format!("CM-{a_code}"), a_name);
        subdivisions_cm.push((u, r_name.clone()));
    }
    progress("units", b.units.len() as u64, b.units.len() as u64);

    // Rwanda's schools: every sector at national scale, Kigali's sectors otherwise.
    let ownerships: [(&str, u32); 3] = [("government_aided", 2077), ("public", 1569), ("private", 1340)];
    // 12 a sector gives 4,992 schools, the national count (4,986) to within six.
    let per_sector = if national { 12 } else { 3 };
    let mut first_gitega_school = None;
    for (k, (unit, province_name, district_no)) in sectors_rw.clone().into_iter().enumerate() {
        if !national && province_name != "Umujyi wa Kigali" {
            continue;
        }
        let count = per_sector;
        let sector_name = b.units[unit].name.clone();
        for n in 0..count {
            let roll = b.rng.random_range(0..4986u32);
            let ownership = if roll < ownerships[0].1 {
                ownerships[0].0
            } else if roll < ownerships[0].1 + ownerships[1].1 {
                ownerships[1].0
            } else {
                ownerships[2].0
            };
            let (level, prefix) = match b.rng.random_range(0..20) {
                0..=10 => ("primary", "EP"),
                11..=16 => ("secondary", "GS"),
                17..=18 => ("basic", "GS"),
                _ => ("tvet", "TSS"),
            };
            let name =
                if n == 0 { format!("{prefix} {sector_name}") } else { format!("{prefix} {sector_name} {}", n + 1) };
            let code = format!("{district_no:02}{:02}{:02}", k % 100, n + 1);
            let s = b.school(unit, code, name, (level, ownership, None), centre("RW", &province_name));
            if sector_name == "Gitega" && first_gitega_school.is_none() {
                first_gitega_school = Some(s);
            }
            let teachers = if national { b.rng.random_range(12..26) } else { b.rng.random_range(4..9) };
            b.staff(s, "RW", teachers);
        }
        progress("schools", b.schools.len() as u64, 0);
    }
    // Education officers: two per district, one per sector.
    for &d in &district_units {
        for _ in 0..2 {
            let p = b.person("RW", 0.45);
            let start = b.date(2012, 2024);
            b.position(p, "district_education_officer", None, Some(d), start, None);
        }
    }
    for (unit, _, _) in sectors_rw.clone() {
        let p = b.person("RW", 0.45);
        let start = b.date(2014, 2025);
        b.position(p, "sector_education_officer", None, Some(unit), start, None);
    }

    // Cameroon: schools around Bertoua (Lom-et-Djérem) and Yaoundé, both sub-systems.
    let mut cm_schools = 0;
    for (unit, region_name) in subdivisions_cm.clone() {
        let division = b.units[unit].parent.expect("division");
        let division_name = &b.units[(division - 1) as usize].name;
        if !(division_name == "Lom-et-Djérem" || division_name == "Mfoundi") {
            continue;
        }
        let place = b.units[unit].name.clone();
        let code_base = b.units[unit].code.trim_start_matches("CM-").to_string();
        for n in 0..4 {
            let (name, level, sub) = match n {
                0 => (format!("École publique de {place}"), "primary", Some("francophone")),
                1 => (format!("Government Primary School {place}"), "primary", Some("anglophone")),
                2 => (format!("Lycée bilingue de {place}"), "secondary", Some("bilingual")),
                _ => (format!("CES de {place}"), "secondary", Some("francophone")),
            };
            let ownership = if n == 3 && cm_schools % 2 == 0 { "private" } else { "public" };
            let code = format!("CM{code_base}{:02}", n + 1);
            let s = b.school(unit, code, name, (level, ownership, sub), centre("CM", &region_name));
            let teachers = b.rng.random_range(4..10);
            b.staff(s, "CM", teachers);
            cm_schools += 1;
        }
    }
    progress("people", b.people.len() as u64, b.people.len() as u64);

    // Write it all in one transaction.
    let mut tx = db.begin().await?;
    let units: Vec<Vec<Cell>> = b
        .units
        .iter()
        .map(|u| {
            vec![
                Cell::from(u.id),
                u.parent.into(),
                u.country.into(),
                u.depth.into(),
                u.code.clone().into(),
                u.name.clone().into(),
                u.path.clone().into(),
            ]
        })
        .collect();
    let n_units =
        bulk::insert(&mut tx, "INSERT INTO units (id, parent_id, country, depth, code, name, path)", 7, units, &|_| {})
            .await?;
    let schools: Vec<Vec<Cell>> = b
        .schools
        .iter()
        .map(|s| {
            vec![
                Cell::from(s.id),
                s.code.clone().into(),
                s.name.clone().into(),
                b.units[s.unit].id.into(),
                b.units[s.unit].path.clone().into(),
                s.level.into(),
                s.ownership.into(),
                s.subsystem.map(str::to_string).into(),
                Some((s.lat * 1e5).round() / 1e5).into(),
                Some((s.lon * 1e5).round() / 1e5).into(),
            ]
        })
        .collect();
    let n_schools = bulk::insert(
        &mut tx,
        "INSERT INTO schools (id, code, name, unit_id, unit_path, level, ownership, subsystem, latitude, longitude)",
        10,
        schools,
        &|_| {},
    )
    .await?;
    let total_people = b.people.len() as u64;
    let done = std::sync::atomic::AtomicU64::new(0);
    let n_people = bulk::insert(
        &mut tx,
        "INSERT INTO people (id, staff_number, given_name, family_name, sex, birth_year, phone, email)",
        8,
        std::mem::take(&mut b.people),
        &|n| progress("writing people", done.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n, total_people),
    )
    .await?;
    let n_positions = bulk::insert(
        &mut tx,
        "INSERT INTO positions (person_id, role, school_id, unit_id, path, start_date, end_date)",
        7,
        std::mem::take(&mut b.positions),
        &|_| {},
    )
    .await?;
    // One cluster of schools per sector (Rwanda) or subdivision (Cameroon) that has schools.
    let mut by_unit: std::collections::BTreeMap<usize, Vec<i64>> = std::collections::BTreeMap::new();
    for s in &b.schools {
        by_unit.entry(s.unit).or_default().push(s.id);
    }
    let mut clusters = Vec::new();
    let mut members = Vec::new();
    for (k, (unit, schools)) in by_unit.iter().enumerate() {
        let id = k as i64 + 1;
        let u = &b.units[*unit];
        let name = if u.country == "CM" { format!("Grappe de {}", u.name) } else { format!("{} cluster", u.name) };
        clusters.push(vec![Cell::from(id), format!("CL-{}", u.code).into(), name.into(), u.id.into()]);
        members.extend(schools.iter().map(|s| vec![Cell::from(id), Cell::from(*s)]));
    }
    bulk::insert(&mut tx, "INSERT INTO clusters (id, code, name, unit_id)", 4, clusters, &|_| {}).await?;
    bulk::insert(&mut tx, "INSERT INTO cluster_schools (cluster_id, school_id)", 2, members, &|_| {}).await?;
    for table in ["units", "schools", "people", "clusters"] {
        bulk::sync_ids(&mut tx, table).await?;
    }

    // Accounts, one per kind of user, all with the configured password.
    let gitega =
        sectors_rw.iter().find(|(u, _, _)| b.units[*u].name == "Gitega").map(|(u, _, _)| *u).expect("Gitega sector");
    let nyarugenge = b.units[gitega].parent.expect("district");
    let head_school = first_gitega_school.expect("a school in Gitega");
    let head_teacher_id: i64 = b.schools[head_school].id;
    let hash = hash_password(&config.password)?;
    // (user name, display name, role, unit scope, school scope, scope as printed)
    type Account<'a> = (&'a str, &'a str, &'static str, Option<i64>, Option<i64>, String);
    let accounts: Vec<Account> = vec![
        ("admin", "Immaculée Ingabire", "system_admin", None, None, "everything".into()),
        ("national.rw", "National officer, Rwanda", "national_officer", Some(b.units[rw].id), None, "Rwanda".into()),
        (
            "national.cm",
            "Responsable national, Cameroun",
            "national_officer",
            Some(b.units[cm].id),
            None,
            "Cameroun".into(),
        ),
        (
            "deo.nyarugenge",
            "District education officer, Nyarugenge",
            "district_officer",
            Some(nyarugenge),
            None,
            "Nyarugenge".into(),
        ),
        (
            "seo.gitega",
            "Sector education officer, Gitega",
            "sector_officer",
            Some(b.units[gitega].id),
            None,
            "Gitega".into(),
        ),
        (
            "head.gitega",
            "Head teacher",
            "school_leader",
            None,
            Some(head_teacher_id),
            b.schools[head_school].name.clone(),
        ),
        ("evaluator", "Evaluator", "evaluator", None, None, "everything".into()),
    ];
    let now = Utc::now();
    let mut summary_accounts = Vec::new();
    for (username, display, role, unit_id, school_id, scope) in accounts {
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO users (username, password_hash, display_name, language, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
        )
        .bind(username)
        .bind(&hash)
        .bind(display)
        .bind(if username.ends_with(".cm") { "fr" } else { "en" })
        .bind(false)
        .bind(now)
        .fetch_one(&mut *c)
        .await
        })?;
        insert_grant(&mut tx, id, role, unit_id, school_id, None).await?;
        summary_accounts.push(DemoAccount { username: username.to_string(), role, scope });
    }
    // A teacher at the head teacher's school, who sees only their own record.
    let teacher: Option<(i64, String)> = on_tx!(&mut tx, |c| {
        sqlx::query_as(
            "SELECT p.id, p.given_name || ' ' || p.family_name FROM positions x JOIN people p ON p.id = x.person_id \
         WHERE x.school_id = $1 AND x.role = 'teacher' ORDER BY p.id LIMIT 1",
        )
        .bind(head_teacher_id)
        .fetch_optional(&mut *c)
        .await
    })?;
    if let Some((person_id, name)) = teacher {
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO users (username, password_hash, display_name, person_id, language, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
        )
        .bind("teacher")
        .bind(&hash)
        .bind(&name)
        .bind(person_id)
        .bind("en")
        .bind(false)
        .bind(now)
        .fetch_one(&mut *c)
        .await
        })?;
        insert_grant(&mut tx, id, "teacher", None, None, Some(person_id)).await?;
        summary_accounts.push(DemoAccount { username: "teacher".into(), role: "teacher", scope: name });
    }
    tx.commit().await?;
    opencpd_instruments::store::import(
        db,
        &opencpd_kernel::Actor::system(),
        "lesson-observation.xlsx",
        &opencpd_instruments::sample::lesson_observation_xlsform(),
        "observation",
    )
    .await?;
    if let Db::Sqlite(p) = db {
        sqlx::query("PRAGMA optimize").execute(p).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(p).await?;
    } else if let Db::Postgres(p) = db {
        sqlx::query("ANALYZE").execute(p).await?;
    }
    Ok(DemoSummary {
        units: n_units,
        schools: n_schools,
        people: n_people,
        positions: n_positions,
        accounts: summary_accounts,
    })
}

async fn insert_grant(
    tx: &mut Tx,
    user_id: i64,
    role: &str,
    unit_id: Option<i64>,
    school_id: Option<i64>,
    person_id: Option<i64>,
) -> Result<()> {
    on_tx!(tx, |c| {
        sqlx::query("INSERT INTO grants (user_id, role, unit_id, school_id, person_id) VALUES ($1, $2, $3, $4, $5)")
            .bind(user_id)
            .bind(role)
            .bind(unit_id)
            .bind(school_id)
            .bind(person_id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
    })?;
    Ok(())
}
