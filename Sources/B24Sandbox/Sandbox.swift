// The emulated Bitrix24 portal (issue 3).
import B24
