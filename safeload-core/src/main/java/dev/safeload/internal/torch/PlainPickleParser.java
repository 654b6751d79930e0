package dev.safeload.internal.torch;

import dev.safeload.api.Location;
import dev.safeload.api.ModelFormat;
import dev.safeload.api.Rejection;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.VerificationLimits;
import dev.safeload.api.tree.DType;
import dev.safeload.api.tree.MetadataNode;
import dev.safeload.api.tree.StorageInfo;
import dev.safeload.internal.Reject;
import dev.safeload.internal.io.ByteSource;
import dev.safeload.internal.pickle.Allowlist;
import dev.safeload.internal.pickle.PickleMachine;
import dev.safeload.internal.pickle.StorageResolver;
import dev.safeload.internal.pickle.TreeBuilder;


/**
 * Verifies a plain pickle file ({@code pickle.dump} output: {@code .pkl}, {@code .bin}, ...): exactly one
 * pickle filling the file (stacked pickles are rejected), holding data (containers and scalars) and,
 * if present, torch tensors. {@code pickle.dump} of a tensor carries each storage as
 * {@code torch.storage._load_from_bytes(b'...')}, whose bytes torch would {@code torch.load}: those bytes are
 * vetted here as a nested legacy torch.save file holding exactly one storage (one level deep only).
 */
public final class PlainPickleParser {

    private static final String ENTRY = "pickle";

    private final ByteSource source;
    private final VerificationLimits limits;
    private final Allowlist allowlist;
    private final Allowlist nestedAllowlist;

    /**
     * @param allowlist the plain-pickle allowlist (with {@code _load_from_bytes})
     * @param nestedAllowlist the allowlist for nested legacy files (without it: no deeper nesting)
     */
    public PlainPickleParser(ByteSource source, VerificationLimits limits, Allowlist allowlist,
                             Allowlist nestedAllowlist) {
        this.source = source;
        this.limits = limits;
        this.allowlist = allowlist;
        this.nestedAllowlist = nestedAllowlist;
    }

    public TorchZipParser.Parsed parse() {
        Reject.checkLimit("maxPickleBytes", source.size(), Math.min(limits.maxPickleBytes(), Integer.MAX_VALUE - 8L),
                Location.entry(ENTRY));
        PickleMachine machine = new PickleMachine(source.slice(0, (int) source.size()), ENTRY, limits, allowlist,
                new NestedStorages());
        Object result = machine.run();
        MetadataNode root = new TreeBuilder(limits, Location.entry(ENTRY)).build(result);
        return new TorchZipParser.Parsed(ModelFormat.PICKLE, root, machine.tensorCount());
    }

    /** Plain pickles have no persistent ids; storages arrive only through vetted nested files. */
    private final class NestedStorages implements StorageResolver {
        @Override
        public StorageInfo resolve(String key, DType dtype, long elementCount, long pickleOffset) {
            throw Reject.of(RejectionCode.MALFORMED_PICKLE, "a persistent id in a plain pickle",
                    Location.at(ENTRY, pickleOffset));
        }

        @Override
        public LoadedStorage loadFromBytes(byte[] legacyFile, long pickleOffset) {
            try {
                return new LegacyTorchParser(ByteSource.ofBytes(legacyFile), limits, nestedAllowlist)
                        .parseNestedStorage();
            } catch (Reject nested) {
                Rejection inner = nested.rejection();
                throw Reject.of(inner.code(), "in the torch.save bytes passed to torch.storage._load_from_bytes: "
                        + inner.message() + " (at " + inner.location() + ")", Location.at(ENTRY, pickleOffset));
            }
        }
    }

}
