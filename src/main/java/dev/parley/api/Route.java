package dev.parley.api;

import io.javalin.http.HandlerType;

/** One entry of the route table: the OpenAPI document is checked against this list. */
record Route(HandlerType method, String path, Access access, TenantHandler handler) {

    /** How a route's caller is identified. */
    enum Access {
        /** No key: health, metrics, the API description. */
        PUBLIC,
        /** The key and workspace are read from the database for each request. */
        KEY,
        /** From memory: the route's one write re-checks revocation and deletion itself (create-call). */
        KEY_CHECKED_BY_WRITE
    }

    boolean authenticated() {
        return access != Access.PUBLIC;
    }
}
