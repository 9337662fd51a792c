"""Response bodies of the HTTP API (they also make up the OpenAPI document at /docs)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ClassInfo(BaseModel):
    id: int = Field(description="internal class id, the value painted into a class-id label map")
    name: str
    color: tuple[int, int, int] = Field(description="RGB colour of the class in colour-coded label maps")
    dontcare: bool = Field(False, description="the 'unlabeled' id of label spaces that have one")


class StylePresetInfo(BaseModel):
    name: str = Field(description="value for the style_preset form field")
    thumbnail: str = Field(description="URL of a small JPEG preview")


class LimitsInfo(BaseModel):
    max_upload_bytes: int
    queue_size: int


class ExampleInfo(BaseModel):
    name: str = Field(description="file stem of the example in the checkpoint's examples/ folder")
    url: str = Field(description="URL of its class ids (`GET /api/examples/{index}`)")


class LabelEncodingInfo(BaseModel):
    """How the model's training data stores class ids in one-channel files (`gaugan.labels.LabelEncoding`)."""

    first_value: int = Field(description="stored value of class id 0; class k is stored as first_value + k")
    dontcare_values: list[int] = Field(description="stored values that mean don't care (unlabeled)")


class ModelSummary(BaseModel):
    name: str = Field(description="value for the `model` query parameter or form field")
    description: str
    width: int
    height: int
    has_encoder: bool
    num_classes: int = Field(description="classes of the label set (not counting a don't-care id)")
    examples: int = Field(description="number of example layouts shipped with the model")


class ModelInfo(BaseModel):
    name: str
    description: str = ""
    width: int = Field(description="width in pixels of the pictures (and of the painting canvas)")
    height: int
    has_encoder: bool = Field(description="the model takes a style image (style_image / style_preset)")
    classes: list[ClassInfo]
    featured: list[int] = Field(description="class ids shown first in the palette")
    default_class: int = Field(description="class the brush starts with")
    background_class: int = Field(description="class a new canvas is filled with")
    style_presets: list[StylePresetInfo]
    examples: list[ExampleInfo] = Field(description="layouts to start from; the page opens on the first")
    seed_max: int
    truncation: float | None = Field(
        None, description="the standard deviation seeds draw style codes at unless a request's `truncation` says "
                          "otherwise (1 = the prior the model was trained with); null: the model draws no latent")
    truncation_max: float = Field(description="the largest `truncation` a request may give")
    limits: LimitsInfo
    label_encoding: LabelEncodingInfo | None = Field(
        None, description="how the training data stores ids, which one-channel uploads are read in by default "
                          "(label_encoding=dataset); null: stored ids are model ids")


class LabelMapIds(BaseModel):
    width: int
    height: int
    ids: str = Field(description="base64 of height*width bytes, row-major class ids at the model's size")


class ExampleIds(LabelMapIds):
    name: str


class ErrorDetail(BaseModel):
    detail: str = Field(description="what was refused and why, for people")


class Health(BaseModel):
    status: str
    pending: int = Field(description="synthesis jobs waiting behind the running one")
    queue_size: int
    completed: int
