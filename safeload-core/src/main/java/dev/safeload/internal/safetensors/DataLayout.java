package dev.safeload.internal.safetensors;

import dev.safeload.api.Location;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.SafeText;
import dev.safeload.internal.Reject;
import java.util.List;

/**
 * Checks that the tensors' byte ranges, taken in offset order, tile the data area exactly: the first starts
 * at 0, each starts where the previous one ended, and the last ends at the end of the file. So no two
 * tensors share bytes, and no byte of the file is left unaccounted for (a gap or a tail could carry a
 * second file, a polyglot). As in the safetensors library, the order is that of {@code [begin, end]},
 * not the header's order; an empty tensor may sit at any boundary.
 */
final class DataLayout {

    private DataLayout() {
    }

    /**
     * @param tensors the tensors, each with {@code begin <= end}
     * @param dataBytes the length of the data area
     * @param dataStart where the data area starts in the file, for locations
     */
    static void checkTiling(List<DeclaredTensor> tensors, long dataBytes, long dataStart) {
        int[] order = offsetOrder(tensors);
        long expected = 0;
        for (int index : order) {
            DeclaredTensor tensor = tensors.get(index);
            if (tensor.begin() != expected) {
                String what = tensor.begin() < expected
                        ? "overlaps the tensor before it, which ends at byte " + expected + " of the data area"
                        : "leaves a gap of " + (tensor.begin() - expected) + " bytes after byte " + expected
                                + " of the data area";
                throw Reject.of(RejectionCode.TENSOR_INCONSISTENT, "tensor '" + SafeText.escape(tensor.name())
                        + "' at data_offsets [" + tensor.begin() + ", " + tensor.end() + "] " + what,
                        SafetensorsParser.locationOf(tensor));
            }
            expected = tensor.end();
        }
        if (expected != dataBytes) {
            String what = expected < dataBytes
                    ? "the tensors cover " + expected + " bytes of a " + dataBytes + "-byte data area, leaving "
                            + (dataBytes - expected) + " trailing bytes"
                    : "the tensors end at byte " + expected + ", past the end of the " + dataBytes + "-byte data area";
            throw Reject.of(RejectionCode.TENSOR_INCONSISTENT, what, Location.fileOffset(dataStart + Math.min(expected,
                    dataBytes)));
        }
    }

    /** The tensors' indexes sorted by {@code (begin, end)}; the header order when that is already sorted. */
    static int[] offsetOrder(List<DeclaredTensor> tensors) {
        int n = tensors.size();
        long[] begins = new long[n];
        long[] ends = new long[n];
        int[] order = new int[n];
        boolean sorted = true;
        for (int i = 0; i < n; i++) {
            begins[i] = tensors.get(i).begin();
            ends[i] = tensors.get(i).end();
            order[i] = i;
            sorted &= i == 0 || compare(begins, ends, i - 1, i) <= 0;
        }
        if (!sorted) {
            mergeSort(order, new int[n], 0, n, begins, ends);
        }
        return order;
    }

    private static int compare(long[] begins, long[] ends, int a, int b) {
        int byBegin = Long.compare(begins[a], begins[b]);
        return byBegin != 0 ? byBegin : Long.compare(ends[a], ends[b]);
    }

    /** Sorts {@code order[from, to)} without boxing, for headers with millions of tensors. */
    private static void mergeSort(int[] order, int[] scratch, int from, int to, long[] begins, long[] ends) {
        if (to - from < 2) {
            return;
        }
        int middle = (from + to) >>> 1;
        mergeSort(order, scratch, from, middle, begins, ends);
        mergeSort(order, scratch, middle, to, begins, ends);
        int left = from;
        int right = middle;
        for (int out = from; out < to; out++) {
            if (right >= to || (left < middle && compare(begins, ends, order[left], order[right]) <= 0)) {
                scratch[out] = order[left++];
            } else {
                scratch[out] = order[right++];
            }
        }
        System.arraycopy(scratch, from, order, from, to - from);
    }
}
