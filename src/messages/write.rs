#[allow(unused_imports)]
use super::prelude::*;

model! {
    /// TODO
    pub struct ClearAssetStateStoreByName tag "ClearAssetStateStoreByName", extra = ignore {
        pub name: String,
    }
}

model! {
    /// TODO
    pub struct ClearAssetStateStoreByUri tag "ClearAssetStateStoreByUri", extra = ignore {
        pub uri: String,
    }
}

model! {
    /// TODO
    pub struct ClearTaskStateStore tag "ClearTaskStateStore", extra = ignore {
        pub ti_id: Uuid,
    }
}

model! {
    /// TODO
    pub struct DeleteAssetStateStoreByName tag "DeleteAssetStateStoreByName", extra = ignore {
        pub name: String,
        pub key: String,
    }
}

model! {
    /// TODO
    pub struct DeleteAssetStateStoreByUri tag "DeleteAssetStateStoreByUri", extra = ignore {
        pub uri: String,
        pub key: String,
    }
}

model! {
    /// TODO
    pub struct DeleteTaskStateStore tag "DeleteTaskStateStore", extra = ignore {
        pub ti_id: Uuid,
        pub key: String,
    }
}

model! {
    /// TODO
    pub struct DeleteXCom tag "DeleteXCom", extra = ignore {
        pub key: String,
        pub dag_id: String,
        pub run_id: String,
        pub task_id: String,
        pub map_index: Option<i64> = None,
    }
}

model! {
    /// TODO
    pub struct PutVariable tag "PutVariable", extra = ignore {
        pub key: String,
        pub value: Option<String>,
        pub description: Option<String>,
    }
}

model! {
    /// TODO
    pub struct SetAssetStateStoreByName tag "SetAssetStateStoreByName", extra = ignore {
        pub name: String,
        pub key: String,
        pub value: JsonValue,
    }
}

model! {
    /// TODO
    pub struct SetAssetStateStoreByUri tag "SetAssetStateStoreByUri", extra = ignore {
        pub uri: String,
        pub key: String,
        pub value: JsonValue,
    }
}

model! {
    /// TODO
    pub struct SetTaskStateStore tag "SetTaskStateStore", extra = ignore {
        pub ti_id: Uuid,
        pub key: String,
        pub value: JsonValue,
        pub expires_at: Option<AwareDateTime>,
    }
}

model! {
    /// TODO
    pub struct SetXCom tag "SetXCom", extra = ignore {
        pub key: String,
        pub value: JsonValue,
        pub dag_id: String,
        pub run_id: String,
        pub task_id: String,
        pub map_index: Option<i64> = None,
        pub dag_result: bool = false,
        pub mapped_length: Option<i64> = None,
    }
}

model! {
    /// TODO
    pub struct DeleteVariable tag "DeleteVariable", extra = ignore {
        pub key: String,
    }
}
