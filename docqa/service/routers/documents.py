"""`GET /documents` and `GET /documents/{doc_id}`: the texts citations point into."""

from fastapi import APIRouter, HTTPException

from docqa.service.deps import SnapshotDep
from docqa.service.echo import quoted
from docqa.service.schemas import DocumentDetail, DocumentSummary, ErrorBody

router = APIRouter(prefix="/documents", tags=["documents"])


@router.get("")
def list_documents(index: SnapshotDep) -> list[DocumentSummary]:
    return [
        DocumentSummary(
            doc_id=doc.doc_id,
            title=doc.title,
            source=doc.source,
            language=doc.lang,
            pages=len(doc.pages) or None,
            chars=len(doc.text),
        )
        for doc in index.documents.values()
    ]


@router.get("/{doc_id}", responses={404: {"model": ErrorBody, "description": "Unknown doc_id"}})
def get_document(doc_id: str, index: SnapshotDep) -> DocumentDetail:
    doc = index.documents.get(doc_id)
    if doc is None:
        raise HTTPException(status_code=404, detail=f"no document with doc_id {quoted(doc_id)}")
    return DocumentDetail(
        doc_id=doc.doc_id,
        title=doc.title,
        source=doc.source,
        language=doc.lang,
        pages=len(doc.pages) or None,
        text=doc.text,
    )
