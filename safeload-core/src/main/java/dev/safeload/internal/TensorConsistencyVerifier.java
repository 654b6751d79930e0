package dev.safeload.internal;

import dev.safeload.api.Location;
import dev.safeload.api.Rejection;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.api.tree.StorageInfo;
import dev.safeload.api.tree.TensorNode;
import dev.safeload.spi.VerificationContext;
import dev.safeload.spi.Verifier;
import dev.safeload.spi.VerifierResult;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks every tensor against its storage and every storage against its record: non-negative sizes,
 * strides and offsets; no overflow in any product or sum; the view inside the storage; the record
 * exactly {@code elementCount * elementSize} bytes long (CVE-2026-24747's size mismatch). A built-in
 * verifier that uses the same SPI as user rules.
 */
public final class TensorConsistencyVerifier implements Verifier {

    private static final int MAX_REPORTED = 10;

    @Override
    public VerifierResult verify(VerificationContext context) {
        List<Rejection> problems = new ArrayList<>();
        long tensors = context.metadata().summary().tensors();
        IdentitySet checkedStorages = new IdentitySet(context.metadata().summary().storages());
        TreeWalk.distinctTensors(context.metadata().root(), tensors, tensor -> {
            if (problems.size() >= MAX_REPORTED) {
                return;
            }
            StorageInfo storage = tensor.storage();
            if (checkedStorages.add(storage)) {
                String problem = checkStorage(storage);
                if (problem != null) {
                    problems.add(Rejection.of(RejectionCode.TENSOR_INCONSISTENT, problem,
                            Location.entry(storage.recordName())));
                    return;
                }
            }
            String problem = checkView(tensor);
            if (problem != null) {
                problems.add(Rejection.of(RejectionCode.TENSOR_INCONSISTENT, problem,
                        Location.entry(storage.recordName())));
            }
        });
        return problems.isEmpty() ? VerifierResult.pass() : VerifierResult.reject(problems);
    }

    @Override
    public String name() {
        return "tensor-consistency";
    }

    public static String checkStorage(StorageInfo storage) {
        long expected;
        try {
            expected = Math.multiplyExact(storage.elementCount(), storage.dtype().elementSize());
        } catch (ArithmeticException e) {
            return "storage " + SafeText.escape(storage.key()) + " declares " + storage.elementCount()
                    + " elements, whose byte size overflows";
        }
        if (expected != storage.recordBytes()) {
            return "storage " + SafeText.escape(storage.key()) + " declares " + storage.elementCount() + " "
                    + storage.dtype() + " elements (" + expected + " bytes) but its record holds "
                    + storage.recordBytes() + " bytes";
        }
        return null;
    }

    public static String checkView(TensorNode tensor) {
        long offset = tensor.storageOffset();
        if (offset < 0) {
            return "negative storage offset " + offset;
        }
        long numel = 1;
        long lastIndex = offset;
        try {
            for (int d = 0; d < tensor.rank(); d++) {
                long size = tensor.size(d);
                long stride = tensor.stride(d);
                if (size < 0 || stride < 0) {
                    return "negative size or stride in dimension " + d + " (size " + size + ", stride " + stride + ")";
                }
                numel = Math.multiplyExact(numel, size);
                if (size > 0) {
                    lastIndex = Math.addExact(lastIndex, Math.multiplyExact(size - 1, stride));
                }
            }
        } catch (ArithmeticException e) {
            return "tensor shape or extent overflows 64 bits";
        }
        StorageInfo storage = tensor.storage();
        long storageBytes = storage.recordBytes();
        int elementSize = tensor.dtype().elementSize();
        if (storageBytes % elementSize != 0) {
            return "storage of " + storageBytes + " bytes is not a whole number of " + tensor.dtype() + " elements";
        }
        long capacity = storageBytes / elementSize;
        if (numel > 0 && lastIndex >= capacity) {
            return "tensor view reaches element " + lastIndex + " of a storage holding " + capacity + " elements";
        }
        return null;
    }
}
