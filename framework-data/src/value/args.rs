//! Binding a list parameter (`IN (:ids)`) into a statement's [`Args`].

use super::{Args, BoxDynError};

impl Args {
    /// Appends the values of a list parameter (`IN (...)`), padded to a power of two by
    /// repeating the last one, so that few statement shapes exist; returns the padded length
    /// (0 for an empty list, which binds nothing).
    pub fn add_padded_list<'v, T, I>(&mut self, values: I) -> Result<usize, BoxDynError>
    where
        T: super::QueryArg + ?Sized + 'v,
        I: IntoIterator<Item = &'v T>,
    {
        let mut n: usize = 0;
        let mut last = None;
        for v in values {
            v.bind_to(self)?;
            last = Some(v);
            n += 1;
        }
        let padded = if n == 0 { 0 } else { n.next_power_of_two() };
        if let Some(last) = last {
            for _ in n..padded {
                last.bind_to(self)?;
            }
        }
        Ok(padded)
    }
}
