//! The entity as `#[derive(Entity)]` reads it: the struct's and fields' attributes, checked,
//! before any code is generated.

use proc_macro2::{Span, TokenStream};
use syn::{Data, DeriveInput, Fields, Ident, LitStr, Type, spanned::Spanned};

use crate::field_type::option_inner;

pub(crate) struct Entity {
    pub ident: Ident,
    /// The struct's visibility (its generated field paths share it).
    pub vis: syn::Visibility,
    pub table: String,
    pub cache: Option<String>,
    pub datasource: String,
    /// `lifecycle`: the entity implements `Lifecycle`.
    pub lifecycle: bool,
    /// The path of framework-data.
    pub fd: TokenStream,
    /// Every field, transient ones included (they are filled with `Default` when loaded).
    pub fields: Vec<Field>,
    pub id: Id,
}

pub(crate) struct Field {
    pub ident: Ident,
    pub ty: Type,
    pub column: String,
    pub role: Role,
    /// The association this field is, if any.
    pub association: Option<Association>,
    /// `fetch = "eager"`: every read of the entity loads this association.
    pub eager: bool,
    /// `#[index]` (false) or `#[unique]` (true), and the attribute's span; an owning
    /// `#[one_to_one]` is unique.
    pub index: Option<(bool, proc_macro2::Span)>,
}

/// `#[many_to_one]` or `#[one_to_many]`.
pub(crate) enum Association {
    /// A `Ref<T>` / `Option<Ref<T>>` column.
    ManyToOne { target: Type },
    /// A `Related<Vec<T>>`, not a column.
    OneToMany {
        target: Type,
        mapped_by: String,
        order_by: String,
        /// `cascade` has persist, merge or all: `save` writes the loaded children.
        cascade_save: bool,
        /// `cascade` has remove or all, or `orphan_removal`: `delete` removes the children.
        cascade_remove: bool,
        orphan_removal: bool,
        /// `cache`: the children are kept in the parent's cache region.
        cache: bool,
        /// A `#[one_to_one(mapped_by)]`: a `Related<Option<T>>`, at most one child.
        single: bool,
    },
    /// A `Related<Vec<T>>` through a join table, not a column.
    ManyToMany {
        target: Type,
        join_table: String,
        join_column: String,
        inverse_join_column: String,
        order_by: String,
    },
}

impl Association {
    /// The associated entity type.
    pub(crate) fn target(&self) -> &Type {
        match self {
            Association::ManyToOne { target }
            | Association::OneToMany { target, .. }
            | Association::ManyToMany { target, .. } => target,
        }
    }
}

#[derive(PartialEq, Eq, Clone)]
pub(crate) enum Role {
    Plain,
    Id {
        generated: bool,
    },
    Version,
    CreatedAt,
    UpdatedAt,
    CreatedBy,
    LastModifiedBy,
    /// `#[soft_delete]`: an `Option` timestamp, `None` while the row is live.
    SoftDelete,
    Transient,
    /// `#[embedded(prefix = "...")]`.
    Embedded {
        prefix: String,
    },
    /// `#[embedded_id(prefix = "...")]`.
    EmbeddedId {
        prefix: String,
    },
}

impl Role {
    pub fn is_persistent(&self) -> bool {
        *self != Role::Transient
    }

    pub fn is_embedded(&self) -> bool {
        matches!(self, Role::Embedded { .. } | Role::EmbeddedId { .. })
    }
}

/// How the entity is identified: indexes into the persistent fields.
pub(crate) enum Id {
    /// One `#[id]` field.
    Single { field: usize, generated: bool },
    /// Several `#[id]` fields: the id is the tuple of their values.
    Composite(Vec<usize>),
    /// An `#[embedded_id]` field.
    Embedded(usize),
}

impl Entity {
    /// The persistent fields, in declaration order.
    pub fn persistent(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| f.role.is_persistent())
    }

    /// The index among persistent fields of the one with `role`, when there is one.
    pub fn index_of(&self, role: &Role) -> Option<usize> {
        self.persistent().position(|f| f.role == *role)
    }
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(ch.to_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

fn set_role(role: &mut Role, new: Role, span: Span) -> syn::Result<()> {
    if *role != Role::Plain {
        return Err(syn::Error::new(
            span,
            "a field can have only one of #[id], #[embedded_id], #[embedded], #[version], #[created_at], #[updated_at], #[created_by], #[last_modified_by], #[soft_delete], #[transient]",
        ));
    }
    *role = new;
    Ok(())
}

/// `#[embedded]` or `#[embedded(prefix = "...")]`.
fn prefix_of(attr: &syn::Attribute) -> syn::Result<String> {
    let mut prefix = String::new();
    if matches!(attr.meta, syn::Meta::List(_)) {
        attr.parse_nested_meta(|m| {
            if m.path.is_ident("prefix") {
                prefix = m.value()?.parse::<LitStr>()?.value();
                Ok(())
            } else {
                Err(m.error("unknown option; expected `prefix = \"...\"`"))
            }
        })?;
    }
    Ok(prefix)
}

/// `#[column(name = "...")]`, shared with `#[derive(Embeddable)]`.
pub(crate) fn column_name(attr: &syn::Attribute) -> syn::Result<String> {
    let mut column = None;
    attr.parse_nested_meta(|m| {
        if m.path.is_ident("name") {
            column = Some(m.value()?.parse::<LitStr>()?.value());
            Ok(())
        } else {
            Err(m.error("unknown column option; expected `name = \"...\"`"))
        }
    })?;
    column.ok_or_else(|| syn::Error::new(attr.span(), "expected `#[column(name = \"...\")]`"))
}

/// The named fields of a non-generic struct, or an error naming the derive.
pub(crate) fn named_fields<'a>(
    input: &'a DeriveInput,
    derive: &str,
) -> syn::Result<&'a syn::FieldsNamed> {
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            format!("an {derive} cannot be generic"),
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            format!("{derive} can only be derived for structs with named fields"),
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(
            &data.fields,
            format!("{derive} needs named fields"),
        ));
    };
    Ok(named)
}

pub(crate) fn parse(input: &DeriveInput) -> syn::Result<Entity> {
    let ident = input.ident.clone();
    let named = named_fields(input, "Entity")?;

    let mut table = snake_case(&ident.to_string());
    let mut cache: Option<String> = None;
    let mut datasource = "default".to_owned();
    let mut lifecycle = false;
    let mut fd = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("entity")) {
        attr.parse_nested_meta(|m| {
            if m.path.is_ident("table") {
                table = m.value()?.parse::<LitStr>()?.value();
            } else if m.path.is_ident("cache") {
                cache = Some(match m.value() {
                    Ok(v) => v.parse::<LitStr>()?.value(),
                    Err(_) => String::new(),
                });
            } else if m.path.is_ident("datasource") {
                datasource = m.value()?.parse::<LitStr>()?.value();
            } else if m.path.is_ident("lifecycle") {
                lifecycle = true;
            } else if m.path.is_ident("crate") {
                let path: LitStr = m.value()?.parse()?;
                fd = Some(path.parse::<syn::Path>()?);
            } else {
                return Err(m.error("unknown entity option; expected `table = \"...\"`, `cache = \"...\"`, `datasource = \"...\"`, `lifecycle` or `crate = \"...\"`"));
            }
            Ok(())
        })?;
    }
    let cache = cache.map(|c| if c.is_empty() { table.clone() } else { c });
    let fd = match fd {
        Some(p) => quote::quote!(#p),
        None => crate::crate_path::framework_data(),
    };

    let mut fields = Vec::new();
    for f in &named.named {
        let Some(fident) = f.ident.clone() else {
            continue;
        };
        let mut column = None;
        let mut role = Role::Plain;
        let mut association = None;
        let mut eager = false;
        let mut index: Option<(bool, proc_macro2::Span)> = None;
        for attr in &f.attrs {
            let p = attr.path();
            if p.is_ident("index") || p.is_ident("unique") {
                if !matches!(attr.meta, syn::Meta::Path(_)) {
                    return Err(syn::Error::new_spanned(
                        attr,
                        "#[index] and #[unique] take no options",
                    ));
                }
                if index.is_some() {
                    return Err(syn::Error::new_spanned(
                        attr,
                        "a field has one #[index] or #[unique]",
                    ));
                }
                index = Some((p.is_ident("unique"), attr.meta.span()));
            } else if p.is_ident("id") {
                let mut generated = false;
                if matches!(attr.meta, syn::Meta::List(_)) {
                    attr.parse_nested_meta(|m| {
                        if m.path.is_ident("generated") {
                            generated = true;
                            Ok(())
                        } else {
                            Err(m.error("unknown id option; expected `generated`"))
                        }
                    })?;
                }
                set_role(&mut role, Role::Id { generated }, attr.span())?;
            } else if p.is_ident("version") {
                set_role(&mut role, Role::Version, attr.span())?;
            } else if p.is_ident("created_at") {
                set_role(&mut role, Role::CreatedAt, attr.span())?;
            } else if p.is_ident("updated_at") {
                set_role(&mut role, Role::UpdatedAt, attr.span())?;
            } else if p.is_ident("created_by") {
                set_role(&mut role, Role::CreatedBy, attr.span())?;
            } else if p.is_ident("last_modified_by") {
                set_role(&mut role, Role::LastModifiedBy, attr.span())?;
            } else if p.is_ident("soft_delete") {
                if !option_inner(&f.ty).1 {
                    return Err(syn::Error::new_spanned(
                        &f.ty,
                        "a #[soft_delete] field is an `Option<DateTime<Utc>>` (or `Option<NaiveDateTime>`): `None` while the row is live",
                    ));
                }
                set_role(&mut role, Role::SoftDelete, attr.span())?;
            } else if p.is_ident("transient") {
                set_role(&mut role, Role::Transient, attr.span())?;
            } else if p.is_ident("embedded") {
                let prefix = prefix_of(attr)?;
                set_role(&mut role, Role::Embedded { prefix }, attr.span())?;
            } else if p.is_ident("embedded_id") {
                let prefix = prefix_of(attr)?;
                if option_inner(&f.ty).1 {
                    return Err(syn::Error::new_spanned(
                        &f.ty,
                        "an #[embedded_id] cannot be an Option: every key column is required",
                    ));
                }
                set_role(&mut role, Role::EmbeddedId { prefix }, attr.span())?;
            } else if p.is_ident("column") {
                column = Some((column_name(attr)?, attr.span()));
            } else if p.is_ident("many_to_one")
                || (p.is_ident("one_to_one") && ref_target(&f.ty).is_ok())
            {
                // A one-to-one's owning side is a many-to-one whose key is unique.
                let kind = if p.is_ident("one_to_one") {
                    "one_to_one"
                } else {
                    "many_to_one"
                };
                let target = ref_target(&f.ty)?;
                if matches!(attr.meta, syn::Meta::List(_)) {
                    attr.parse_nested_meta(|m| {
                        if m.path.is_ident("column") {
                            column = Some((m.value()?.parse::<LitStr>()?.value(), attr.span()));
                            Ok(())
                        } else if m.path.is_ident("fetch") {
                            eager = fetch_mode(&m)?;
                            Ok(())
                        } else {
                            Err(m.error(format!("unknown {kind} option; expected `column = \"...\"` or `fetch = \"eager\"`")))
                        }
                    })?;
                }
                if column.is_none() {
                    column = Some((format!("{fident}_id"), attr.span()));
                }
                if kind == "one_to_one" && index.is_none() {
                    index = Some((true, attr.span()));
                }
                association = Some(Association::ManyToOne { target });
            } else if p.is_ident("many_to_many") {
                let target = related_target(&f.ty).map_err(|_| {
                    syn::Error::new_spanned(
                        &f.ty,
                        "a #[many_to_many] field must be a `Related<Vec<T>>`",
                    )
                })?;
                let (mut join_table, mut join_column, mut inverse, mut order_by) =
                    (None, None, None, String::new());
                attr.parse_nested_meta(|m| {
                    let value = |m: &syn::meta::ParseNestedMeta| -> syn::Result<String> {
                        Ok(m.value()?.parse::<LitStr>()?.value())
                    };
                    if m.path.is_ident("join_table") {
                        join_table = Some(value(&m)?);
                    } else if m.path.is_ident("join_column") {
                        join_column = Some(value(&m)?);
                    } else if m.path.is_ident("inverse_join_column") {
                        inverse = Some(value(&m)?);
                    } else if m.path.is_ident("order_by") {
                        order_by = value(&m)?;
                    } else if m.path.is_ident("fetch") {
                        eager = fetch_mode(&m)?;
                    } else {
                        return Err(m.error("unknown many_to_many option; expected `join_table`, `join_column`, `inverse_join_column`, `order_by` or `fetch`"));
                    }
                    Ok(())
                })?;
                let Some(join_table) = join_table else {
                    return Err(syn::Error::new_spanned(
                        attr,
                        "#[many_to_many] needs `join_table = \"...\"` (and its `join_column`/`inverse_join_column`, which default to `<entity>_id` and `<target>_id`)",
                    ));
                };
                let type_name = |t: &Type| match t {
                    Type::Path(p) => p
                        .path
                        .segments
                        .last()
                        .map(|s| snake_case(&s.ident.to_string()))
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                set_role(&mut role, Role::Transient, attr.span())?;
                association = Some(Association::ManyToMany {
                    join_column: join_column
                        .unwrap_or_else(|| format!("{}_id", snake_case(&input.ident.to_string()))),
                    inverse_join_column: inverse
                        .unwrap_or_else(|| format!("{}_id", type_name(&target))),
                    target,
                    join_table,
                    order_by,
                });
            } else if p.is_ident("one_to_many") || p.is_ident("one_to_one") {
                // A one-to-one's other side: at most one child points back (`Related<Option<T>>`).
                let single = p.is_ident("one_to_one");
                let kind = if single { "one_to_one" } else { "one_to_many" };
                let target = if single {
                    related_option_target(&f.ty)?
                } else {
                    related_target(&f.ty)?
                };
                let (mut mapped_by, mut order_by) = (None, String::new());
                let (mut cascade_save, mut cascade_remove, mut orphan_removal) =
                    (false, false, false);
                let mut cached = false;
                attr.parse_nested_meta(|m| {
                    if m.path.is_ident("mapped_by") {
                        mapped_by = Some(m.value()?.parse::<LitStr>()?.value());
                    } else if m.path.is_ident("order_by") {
                        order_by = m.value()?.parse::<LitStr>()?.value();
                    } else if m.path.is_ident("cascade") {
                        let lit = m.value()?.parse::<LitStr>()?;
                        for kind in lit.value().split(',').map(str::trim) {
                            match kind {
                                "persist" | "merge" => cascade_save = true,
                                "remove" => cascade_remove = true,
                                "all" => {
                                    cascade_save = true;
                                    cascade_remove = true;
                                }
                                other => {
                                    return Err(syn::Error::new_spanned(
                                        &lit,
                                        format!("unknown cascade `{other}`; expected \"persist\", \"merge\", \"remove\" or \"all\" (comma-separated)"),
                                    ));
                                }
                            }
                        }
                    } else if m.path.is_ident("orphan_removal") {
                        orphan_removal = true;
                    } else if m.path.is_ident("cache") {
                        if cache.is_none() {
                            return Err(m.error(
                                "a cached collection lives in its entity's cache region: add #[entity(cache = \"region\")] to this entity",
                            ));
                        }
                        cached = true;
                    } else if m.path.is_ident("fetch") {
                        eager = fetch_mode(&m)?;
                    } else {
                        return Err(m.error(format!("unknown {kind} option; expected `mapped_by = \"...\"`, `order_by = \"...\"`, `cascade = \"...\"`, `orphan_removal`, `cache` or `fetch = \"eager\"`")));
                    }
                    Ok(())
                })?;
                if orphan_removal && !cascade_save {
                    return Err(syn::Error::new_spanned(
                        attr,
                        "`orphan_removal` removes the children `save` leaves out: it needs `cascade = \"all\"` (or \"persist\"/\"merge\")",
                    ));
                }
                let Some(mapped_by) = mapped_by else {
                    return Err(syn::Error::new_spanned(
                        attr,
                        format!(
                            "#[{kind}] needs `mapped_by = \"...\"`: the child's #[many_to_one] (or #[one_to_one]) field that points back here"
                        ),
                    ));
                };
                set_role(&mut role, Role::Transient, attr.span())?;
                association = Some(Association::OneToMany {
                    target,
                    mapped_by,
                    order_by,
                    cascade_save,
                    cascade_remove: cascade_remove || orphan_removal,
                    orphan_removal,
                    cache: cached,
                    single,
                });
            }
        }
        if let Some(Association::ManyToOne { .. }) = &association
            && role != Role::Plain
        {
            return Err(syn::Error::new_spanned(
                &fident,
                "a #[many_to_one] field is a plain foreign-key column: it cannot also be #[id], #[version], a timestamp, #[transient] or embedded",
            ));
        }
        if let Some((_, span)) = &column
            && role.is_embedded()
        {
            return Err(syn::Error::new(
                *span,
                "an embedded field's columns are named by its type's fields; use `prefix = \"...\"` here, or #[column(name)] on the value type's fields",
            ));
        }
        if let Some((_, span)) = index {
            let column_field = role == Role::Plain
                || matches!(
                    role,
                    Role::Version
                        | Role::CreatedAt
                        | Role::UpdatedAt
                        | Role::CreatedBy
                        | Role::LastModifiedBy
                        | Role::SoftDelete
                );
            let to_many = matches!(
                association,
                Some(Association::OneToMany { .. } | Association::ManyToMany { .. })
            );
            if !column_field || to_many {
                return Err(syn::Error::new(
                    span,
                    "#[index] and #[unique] are for a field with a column of its own (not the #[id], an embedded value, a #[transient] field or a to-many association)",
                ));
            }
        }
        fields.push(Field {
            ident: fident.clone(),
            ty: f.ty.clone(),
            column: column.map_or_else(|| fident.to_string(), |(c, _)| c),
            role,
            association,
            eager,
            index,
        });
    }

    let id = identify(&ident, &fields)?;
    let entity = Entity {
        ident,
        vis: input.vis.clone(),
        table,
        cache,
        datasource,
        lifecycle,
        fd,
        fields,
        id,
    };
    for (role, what) in [
        (Role::Version, "#[version]"),
        (Role::CreatedAt, "#[created_at]"),
        (Role::UpdatedAt, "#[updated_at]"),
        (Role::CreatedBy, "#[created_by]"),
        (Role::LastModifiedBy, "#[last_modified_by]"),
        (Role::SoftDelete, "#[soft_delete]"),
    ] {
        if let Some(second) = entity.persistent().filter(|f| f.role == role).nth(1) {
            return Err(syn::Error::new_spanned(
                &second.ident,
                format!("only one field can be {what}"),
            ));
        }
    }
    Ok(entity)
}

/// The single generic argument of a type whose last path segment is `name` (`Ref<T>` -> `T`).
fn generic_of<'t>(ty: &'t Type, name: &str) -> Option<&'t Type> {
    if let Type::Path(p) = ty
        && let Some(seg) = p.path.segments.last()
        && seg.ident == name
        && let syn::PathArguments::AngleBracketed(args) = &seg.arguments
        && args.args.len() == 1
        && let Some(syn::GenericArgument::Type(inner)) = args.args.first()
    {
        return Some(inner);
    }
    None
}

/// `T` of a `Ref<T>` or `Option<Ref<T>>` field.
fn ref_target(ty: &Type) -> syn::Result<Type> {
    let (inner, _) = option_inner(ty);
    generic_of(inner, "Ref").cloned().ok_or_else(|| {
        syn::Error::new_spanned(
            ty,
            "a #[many_to_one] field must be a `Ref<T>` (or `Option<Ref<T>>` for a nullable foreign key)",
        )
    })
}

/// `T` of a `Related<Option<T>>` field (the inverse side of a one-to-one).
fn related_option_target(ty: &Type) -> syn::Result<Type> {
    generic_of(ty, "Related")
        .and_then(|v| generic_of(v, "Option"))
        .cloned()
        .ok_or_else(|| {
            syn::Error::new_spanned(
                ty,
                "a #[one_to_one] field is a `Ref<T>`/`Option<Ref<T>>` (the side holding the foreign key) or a `Related<Option<T>>` with `mapped_by` (the other side)",
            )
        })
}

/// `T` of a `Related<Vec<T>>` field.
fn related_target(ty: &Type) -> syn::Result<Type> {
    generic_of(ty, "Related")
        .and_then(|v| generic_of(v, "Vec"))
        .cloned()
        .ok_or_else(|| {
            syn::Error::new_spanned(ty, "a #[one_to_many] field must be a `Related<Vec<T>>`")
        })
}

/// The id: one `#[id]`, several (a composite key), or one `#[embedded_id]`.
fn identify(ident: &Ident, fields: &[Field]) -> syn::Result<Id> {
    let persistent: Vec<&Field> = fields.iter().filter(|f| f.role.is_persistent()).collect();
    let ids: Vec<usize> = (0..persistent.len())
        .filter(|i| matches!(persistent[*i].role, Role::Id { .. }))
        .collect();
    let embedded: Vec<usize> = (0..persistent.len())
        .filter(|i| matches!(persistent[*i].role, Role::EmbeddedId { .. }))
        .collect();
    match (ids.as_slice(), embedded.as_slice()) {
        ([], []) => Err(syn::Error::new_spanned(
            ident,
            "an Entity needs an #[id] or #[id(generated)] field (several #[id] fields, or an #[embedded_id], for a composite key)",
        )),
        ([], [e]) => Ok(Id::Embedded(*e)),
        ([], [_, second, ..]) => Err(syn::Error::new_spanned(
            &persistent[*second].ident,
            "only one field can be the #[embedded_id]",
        )),
        ([_, ..], [e, ..]) => Err(syn::Error::new_spanned(
            &persistent[*e].ident,
            "an entity has #[id] fields or an #[embedded_id], not both",
        )),
        ([one], []) => Ok(Id::Single {
            field: *one,
            generated: persistent[*one].role == Role::Id { generated: true },
        }),
        (several, []) => {
            if let Some(g) = several
                .iter()
                .find(|i| persistent[**i].role == Role::Id { generated: true })
            {
                return Err(syn::Error::new_spanned(
                    &persistent[*g].ident,
                    "a composite key is assigned, not generated: use #[id] on each of its fields",
                ));
            }
            Ok(Id::Composite(several.to_vec()))
        }
    }
}

/// `fetch = "eager" | "lazy"`: whether every read loads the association (JPA's `FetchType`;
/// lazy, the default, means "when asked for", never a hidden query).
fn fetch_mode(m: &syn::meta::ParseNestedMeta) -> syn::Result<bool> {
    let lit = m.value()?.parse::<LitStr>()?;
    match lit.value().as_str() {
        "eager" => Ok(true),
        "lazy" => Ok(false),
        other => Err(syn::Error::new_spanned(
            &lit,
            format!("unknown fetch `{other}`; expected \"eager\" or \"lazy\""),
        )),
    }
}
