/**
 * The safeload implementation. Exports only the {@link dev.safeload.SafeModelLoader} facade; the
 * parsers and checks in {@code dev.safeload.internal} are not part of the API.
 */
module dev.safeload.core {
    requires transitive dev.safeload.api;
    requires org.apache.commons.compress;
    requires org.slf4j;
    requires tools.jackson.core;
    requires org.bouncycastle.provider;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.pg;

    exports dev.safeload;
}
