//! The transactional outbox: an entity listener writes one message per transfer, in the
//! transfer's own transaction, so a message exists exactly when its transfer committed.

use std::sync::Arc;

use starter_sqlite::framework_core::ApplicationContext;
use starter_sqlite::prelude::*;

use crate::bank::BankModule;
use crate::model::{OutboxMessage, Transfer};

/// Writes a `transfer.committed` message after each transfer's INSERT.
struct TransferOutbox(Repository<OutboxMessage>);

impl EntityListener<Transfer> for TransferOutbox {
    fn post_persist<'a>(&'a self, transfer: &'a Transfer) -> BoxFuture<'a, DataResult<()>> {
        Box::pin(async move {
            let payload = serde_json::json!({
                "reference": transfer.reference,
                "from": transfer.from_account,
                "to": transfer.to_account,
                "cents": transfer.cents,
            })
            .to_string();
            let message = OutboxMessage {
                id: 0,
                topic: "transfer.committed".into(),
                transfer_id: transfer.id,
                payload,
                created_at: Utc::now(),
            };
            self.0.save(message).await.map(|_| ())
        })
    }
}

/// Registers the outbox listener on the context's DataSources.
pub fn install(ctx: &ApplicationContext<BankModule>) -> DataResult<()> {
    ctx.add_entity_listener::<Transfer>(Arc::new(TransferOutbox(ctx.repository()?)));
    Ok(())
}
