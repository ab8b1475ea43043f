package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Group shared files (moderation facts §2.14), as the Web SDK uploads,
// lists, downloads and deletes them (doc.go, "SDK endpoints").

const (
	maxSharedFileBytes = 10 << 20 // the documented 10 MB per file
	// maxUploadBytes is the upload request's cap: the file and its
	// multipart framing.
	maxUploadBytes      = maxSharedFileBytes + 64<<10
	sharedFilesPerGroup = 10000
	sharedFilePageMax   = 1000
)

type sharedFile struct {
	ID      string `json:"file_id"`
	Name    string `json:"file_name"`
	Owner   string `json:"file_owner"`
	Size    int64  `json:"file_size"`
	Created int64  `json:"created"`
	content []byte
	name    string // for Content-Disposition
}

func errSharedFileNotFound(id, rawID string) *apiError {
	return newErr(http.StatusNotFound, "resource_not_found", excResourceNotFound, "shared file %s not found in group %s", id, rawID)
}

// GET /chatgroups/{id}/share_files?pagenum=&pagesize=: newest first.
func (s *Sandbox) listSharedFiles(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	limit, offset, err := pageParams(r, sharedFilePageMax, sharedFilePageMax, sharedFilePageMax)
	if err != nil {
		return nil, err
	}
	files, err := s.store.listSharedFiles(r.Context(), id, rawID, limit, offset)
	if err != nil {
		return nil, err
	}
	return withCount(files, len(files)), nil
}

// POST /chatgroups/{id}/share_files, multipart/form-data with part "file".
func (s *Sandbox) uploadSharedFile(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	f, hdr, err := r.FormFile("file")
	if errors.As(err, new(*http.MaxBytesError)) {
		return nil, errBodyTooLarge()
	}
	if err != nil {
		return nil, newErr(http.StatusBadRequest, "illegal_argument", excIllegalArgument, "file must be provided.")
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, maxSharedFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(content) > maxSharedFileBytes {
		return nil, errBodyTooLarge()
	}
	owner := callerOf(r).user
	if owner == "" {
		owner = "admin" // the app's own uploads, as the console shows them
	}
	file := sharedFile{ID: newUUID(), Name: hdr.Filename, Owner: owner, Size: int64(len(content)), Created: s.nowMs(), content: content}
	if err := s.store.addSharedFile(r.Context(), id, rawID, &file); err != nil {
		return nil, err
	}
	uri, _ := r.Context().Value(reqInfoKey{}).(*reqInfo)
	return &reply{data: map[string]any{
		"file_url": uri.uri + "/" + file.ID, "group_id": rawID, "file_name": file.Name,
		"created": file.Created, "file_id": file.ID, "file_size": file.Size,
	}}, nil
}

// GET /chatgroups/{id}/share_files/{file}: the bytes.
func (s *Sandbox) downloadSharedFile(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	f, err := s.store.sharedFile(r.Context(), id, rawID, r.PathValue("file"), true)
	if err != nil {
		return nil, err
	}
	f.name = f.Name
	return &reply{file: f}, nil
}

// DELETE /chatgroups/{id}/share_files/{file}: the uploader, the owner or an
// admin.
func (s *Sandbox) deleteSharedFile(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	fileID := r.PathValue("file")
	f, err := s.store.sharedFile(r.Context(), id, rawID, fileID, false)
	if err != nil {
		return nil, err
	}
	if c := callerOf(r); !c.isApp() && c.user != f.Owner {
		if err := s.store.checkGroupRight(r.Context(), id, c.user, groupAdmin); err != nil {
			return nil, err
		}
	}
	if err := s.store.deleteSharedFile(r.Context(), id, fileID); err != nil {
		return nil, err
	}
	return &reply{data: map[string]any{"group_id": rawID, "file_id": fileID, "result": true}}, nil
}

func (st *store) addSharedFile(ctx context.Context, gid int64, rawID string, f *sharedFile) error {
	return st.write(ctx, func(tx *sql.Tx) error {
		if _, err := mustLoadGroup(ctx, tx, gid, rawID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM shared_files WHERE group_id = ?`, gid).Scan(&n); err != nil {
			return fmt.Errorf("sandbox: shared files: %w", err)
		}
		if n >= sharedFilesPerGroup {
			return newErr(http.StatusForbidden, "exceed_limit", excExceedLimit, "the number of shared files has reached the limit : %d", sharedFilesPerGroup)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO shared_files (file_id, group_id, owner, name, size, created, content) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			f.ID, gid, f.Owner, f.Name, f.Size, f.Created, f.content)
		if err != nil {
			return fmt.Errorf("sandbox: shared files: %w", err)
		}
		return nil
	})
}

func (st *store) listSharedFiles(ctx context.Context, gid int64, rawID string, limit, offset int) ([]sharedFile, error) {
	out := []sharedFile{}
	err := st.read(ctx, func(tx *sql.Tx) error {
		if _, err := mustLoadGroup(ctx, tx, gid, rawID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT file_id, name, owner, size, created FROM shared_files
			WHERE group_id = ? ORDER BY seq DESC LIMIT ? OFFSET ?`, gid, limit, offset)
		if err != nil {
			return fmt.Errorf("sandbox: shared files: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var f sharedFile
			if err := rows.Scan(&f.ID, &f.Name, &f.Owner, &f.Size, &f.Created); err != nil {
				return err
			}
			out = append(out, f)
		}
		return rows.Err()
	})
	return out, err
}

// sharedFile loads one file of the group, with its content when asked.
func (st *store) sharedFile(ctx context.Context, gid int64, rawID, fileID string, withContent bool) (*sharedFile, error) {
	var f sharedFile
	err := st.read(ctx, func(tx *sql.Tx) error {
		if _, err := mustLoadGroup(ctx, tx, gid, rawID); err != nil {
			return err
		}
		content := "x''"
		if withContent {
			content = "content"
		}
		err := tx.QueryRowContext(ctx, `SELECT file_id, name, owner, size, created, `+content+` FROM shared_files
			WHERE group_id = ? AND file_id = ?`, gid, fileID).Scan(&f.ID, &f.Name, &f.Owner, &f.Size, &f.Created, &f.content)
		if errors.Is(err, sql.ErrNoRows) {
			return errSharedFileNotFound(fileID, rawID)
		}
		return err
	})
	return &f, err
}

func (st *store) deleteSharedFile(ctx context.Context, gid int64, fileID string) error {
	return st.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM shared_files WHERE group_id = ? AND file_id = ?`, gid, fileID)
		return err
	})
}
