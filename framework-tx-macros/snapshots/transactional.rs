pub async fn transfer(&self, from: i64, to: i64, cents: i64) -> Result<(), AppError> {
    #[allow(clippy::type_complexity)]
    let __tx_convert: fn(
        ::framework_data::tx::TxError,
    ) -> <Result<(), AppError> as ::framework_data::__private::tx::TxResult>::Error = {
        #[allow(unused_imports)]
        use ::framework_data::__private::tx::{ViaDataError as _, ViaTxError as _};
        (&&::framework_data::__private::tx::Convert::<
            <Result<(), AppError> as ::framework_data::__private::tx::TxResult>::Error,
        >::new())
            .converter()
    };
    let __tx_manager = match ::framework_data::tx::TransactionManager::lookup(
        "default",
    ) {
        ::core::result::Result::Ok(manager) => manager,
        ::core::result::Result::Err(error) => {
            return ::core::result::Result::Err(__tx_convert(error));
        }
    };
    let __tx_definition = ::framework_data::tx::TransactionDefinition::new()
        .propagation(::framework_data::tx::Propagation::RequiresNew)
        .isolation(::framework_data::tx::Isolation::Serializable)
        .timeout(::core::time::Duration::new(5u64, 0u32))
        .name(::core::concat!(::core::module_path!(), "::", "transfer"));
    let __tx_policy = ::framework_data::tx::RollbackPolicy::<
        <Result<(), AppError> as ::framework_data::__private::tx::TxResult>::Error,
    >::always();
    let mut __tx_retry = ::framework_data::__private::tx::Retry::new(2u32);
    loop {
        let __tx_attempt = __tx_manager
            .run(
                &__tx_definition,
                __tx_policy,
                __tx_convert,
                async {
                    self.accounts.debit(from, cents).await?;
                    self.accounts.credit(to, cents).await
                },
            )
            .await;
        if !__tx_retry.again(&__tx_manager, &__tx_attempt).await {
            break __tx_attempt.into_result();
        }
    }
}
