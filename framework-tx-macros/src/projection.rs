//! `#[derive(Projection)]`: a struct a query's rows map to by column name.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::entity::model::{column_name, named_fields};
use crate::field_type::spanned_by_type;

pub(crate) fn expand(input: DeriveInput) -> syn::Result<TokenStream> {
    let named = named_fields(&input, "Projection")?;
    let fd = crate::crate_path::framework_data();
    let ident = &input.ident;
    let mut reads = Vec::new();
    for f in &named.named {
        let Some(fi) = &f.ident else { continue };
        let mut column = fi.to_string();
        for attr in f.attrs.iter().filter(|a| a.path().is_ident("column")) {
            column = column_name(attr)?;
        }
        // The read is spanned on the field's type: an unsupported type is reported there.
        let get = spanned_by_type(&f.ty, quote!(row.get::<_>(at)?));
        reads.push(quote! {
            #fi: {
                let at = row
                    .index_of(#column)
                    .ok_or_else(|| #fd::value::DecodeError::missing_column(#column))?;
                #get
            },
        });
    }
    Ok(quote! {
        impl #fd::repository::FromQueryRow for #ident {
            fn from_query_row(
                row: &#fd::value::Row,
            ) -> ::core::result::Result<Self, #fd::value::DecodeError> {
                ::core::result::Result::Ok(Self {
                    #(#reads)*
                })
            }
        }
    })
}
