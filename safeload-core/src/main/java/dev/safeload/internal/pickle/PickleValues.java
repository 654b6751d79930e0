package dev.safeload.internal.pickle;

import java.util.ArrayList;
import java.util.List;

/** Reads simple values out of what the machine returns, for formats whose bookkeeping pickles hold literals. */
public final class PickleValues {

    private PickleValues() {
    }

    /** The storage a pickle's result is, or null if it is anything else (legacy files nested in plain pickles). */
    public static StorageResolver.LoadedStorage storage(Object value) {
        return value instanceof Values.PStorage s ? new StorageResolver.LoadedStorage(s.info(), s.untyped()) : null;
    }

    /** The strings of a list of str, or null if the value is anything else. */
    public static List<String> stringList(Object value) {
        if (!(value instanceof Values.PList list)) {
            return null;
        }
        List<String> out = new ArrayList<>(list.items.size());
        for (Object item : list.items) {
            String s = PickleMachine.str(item);
            if (s == null) {
                return null;
            }
            out.add(s);
        }
        return out;
    }
}
