"""The portal's own guidance pages for patients at home, as a fresh database gets them.

Written for this portal from the Ministry of Health's guidance on managing COVID-19
patients at home (QĐ 261/QĐ-BYT of 31/01/2022, QĐ 604/QĐ-BYT of 2022). The numbers
match the home-care rule's defaults (declarations/homecare/rules.py), which are what
raises the station's alerts; a province that sets other values, or another report
deadline, copies a page in the admin and adapts it.

The pages are database content, not interface text: they are in Vietnamese whatever the
reader's language (the model has no language of its own), so they are not in gettext.

Seeding (guidance_defaults_ensure) adds the pages that are missing and leaves every page
that exists alone, edited or not: it runs after each migrate, and an admin's wording must
never be replaced by a deploy. A default page the portal no longer wants is unpublished
in the admin, not deleted (a deleted one comes back at the next migrate).
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from .models import GuidanceDocument


@dataclass(frozen=True)
class DefaultPage:
    slug: str
    title: str
    summary: str
    body: str
    order: int


MONITORING = DefaultPage(
    slug="theo-doi-suc-khoe-tai-nha",
    title="Theo dõi sức khoẻ tại nhà",
    summary=(
        "Đo SpO2, nhiệt độ, mạch và nhịp thở mỗi ngày 2 lần, sáng và chiều; báo cáo trên "
        "cổng KhaiBao trước 10 giờ sáng."
    ),
    order=10,
    body="""\
Trong thời gian chăm sóc tại nhà, người bệnh (hoặc người chăm sóc) tự theo dõi sức khoẻ \
mỗi ngày 2 lần, buổi sáng và buổi chiều, và đo thêm bất cứ lúc nào thấy mệt hơn.

## Đo những gì
- SpO2 (nồng độ ô-xy trong máu), nếu có máy đo: ngồi nghỉ 5 phút, kẹp máy vào đầu ngón \
tay sạch, không sơn móng, tay ấm; giữ yên tay đến khi con số đứng yên rồi mới đọc.
- Nhiệt độ: cặp nhiệt kế ở nách hoặc dùng nhiệt kế điện tử.
- Mạch: số lần mạch đập trong 1 phút (máy đo SpO2 cũng hiện số này).
- Nhịp thở: ngồi yên, đếm số lần ngực hoặc bụng nhô lên trong đủ 1 phút. Trẻ nhỏ: đếm \
khi trẻ nằm yên hoặc đang ngủ.
- Huyết áp, nếu nhà có máy đo.
- Các dấu hiệu: mệt, ho, khó thở, đau tức ngực, mất vị giác hoặc khứu giác, tiêu chảy, \
lơ mơ.

## SpO2 thấp thì đo lại
- Nếu SpO2 dưới 96%: làm ấm tay, ngồi nghỉ vài phút rồi đo lại ở ngón tay khác.
- Vẫn dưới 96%, hoặc đang khó thở: báo ngay cho Trạm Y tế hoặc gọi 115, không chờ đến \
lần đo sau.

## Báo cáo trên cổng KhaiBao
- Đăng nhập bằng số điện thoại đã đăng ký và mã OTP gửi bằng tin nhắn; không có mật khẩu.
- Vào “Chăm sóc F0 tại nhà”, nhập kết quả đo, đánh dấu các dấu hiệu đang có rồi bấm \
“Gửi” trước 10 giờ sáng mỗi ngày.
- Có dấu hiệu bất thường thì gửi báo cáo ngay lúc đó: Trạm Y tế nhận được cảnh báo.
- Người thân có hồ sơ của người bệnh trong tài khoản của mình cũng báo cáo giúp được.
- Chưa gửi trước hạn, bạn sẽ nhận tin nhắn nhắc; sau đó Trạm Y tế gọi điện cho bạn.

## Ghi lại
- Ghi mỗi lần đo (giờ đo và kết quả) vào sổ hoặc tờ giấy để đưa nhân viên y tế xem khi cần.
- Không có máy đo SpO2 hoặc nhiệt kế: báo Trạm Y tế để được hướng dẫn.
""",
)

DANGER_SIGNS = DefaultPage(
    slug="dau-hieu-nguy-hiem",
    title="Các dấu hiệu nguy hiểm",
    summary="Có một trong các dấu hiệu này: báo ngay cho Trạm Y tế hoặc gọi cấp cứu 115.",
    order=20,
    body="""\
Khi người bệnh có bất kỳ dấu hiệu nào dưới đây, báo ngay cho Trạm Y tế (hoặc trạm y tế \
lưu động, cơ sở đang quản lý người bệnh) hoặc gọi cấp cứu 115 để được xử trí và chuyển \
viện kịp thời. Đừng chờ đến giờ báo cáo.

## Dấu hiệu nguy hiểm
- Khó thở, thở hụt hơi. Ở trẻ em: thở rên, thở rít, thở khò khè, rút lõm lồng ngực, \
phập phồng cánh mũi.
- Thở nhanh (đếm đủ 1 phút): người lớn và trẻ từ 12 tuổi từ 20 lần/phút; trẻ 5 đến dưới \
12 tuổi từ 30 lần/phút; trẻ 1 đến dưới 5 tuổi từ 40 lần/phút; trẻ dưới 1 tuổi từ 50 \
lần/phút.
- SpO2 dưới 96%, đo lại vẫn thấp.
- Mạch nhanh trên 120 lần/phút hoặc chậm dưới 50 lần/phút.
- Huyết áp thấp: huyết áp tối đa dưới 90 mmHg hoặc tối thiểu dưới 60 mmHg (nếu có máy đo).
- Đau tức ngực thường xuyên, cảm giác bó thắt ngực, đau tăng khi hít sâu.
- Thay đổi ý thức: lú lẫn, ngủ li bì, lơ mơ, rất mệt hoặc mệt lả; trẻ quấy khóc không \
dỗ được, li bì khó đánh thức; co giật.
- Môi, đầu móng tay, móng chân tím tái; da xanh, môi nhợt; đầu ngón tay, ngón chân lạnh.
- Không uống được; ăn rất kém hoặc không ăn được; trẻ bú kém hoặc bỏ bú; nôn nhiều.
- Trẻ sốt cao kèm đỏ mắt, môi đỏ, lưỡi đỏ, tay chân sưng đỏ hoặc nổi ban.
- Mắc thêm một bệnh cấp tính khác (ví dụ sốt xuất huyết, tay chân miệng).
- Bất kỳ tình trạng nào khiến bạn lo lắng cho người bệnh.

## Trên cổng KhaiBao
- Đánh dấu các dấu hiệu trong báo cáo sức khoẻ và gửi ngay: Trạm Y tế nhận cảnh báo \
bằng tin nhắn.
- Báo cáo trên cổng không thay cho cuộc gọi: khó thở nặng, tím tái, lơ mơ, co giật thì \
gọi 115 trước.
""",
)

WHEN_TO_CALL = DefaultPage(
    slug="khi-nao-goi-115",
    title="Khi nào gọi 115, khi nào gọi Trạm Y tế",
    summary="Cấp cứu gọi 115; cần tư vấn, thuốc hoặc xét nghiệm thì gọi Trạm Y tế.",
    order=30,
    body="""\
## Gọi cấp cứu 115 ngay khi
- Khó thở nhiều, thở hụt hơi, không nói được trọn câu.
- Môi hoặc đầu ngón tay tím tái.
- Đau tức ngực dữ dội hoặc không dứt.
- Lơ mơ, lú lẫn, khó đánh thức, co giật, ngất.
- SpO2 dưới 96% kèm khó thở, hoặc có dấu hiệu nguy hiểm mà không gọi được ngay cho \
Trạm Y tế.

## Gọi Trạm Y tế khi
- Có một dấu hiệu nguy hiểm nhưng vẫn tỉnh táo, thở được (xem trang “Các dấu hiệu nguy \
hiểm”).
- Sốt trên 38,5°C không hạ sau khi dùng thuốc hạ sốt theo hướng dẫn.
- Ho nhiều hơn, mệt hơn, tiêu chảy hoặc nôn nhiều.
- Bệnh nền có biểu hiện bất thường (đường huyết, huyết áp khác thường ngày) hoặc sắp \
hết thuốc điều trị bệnh nền.
- Cần tư vấn về thuốc, dinh dưỡng, chăm sóc trẻ nhỏ, người cao tuổi, phụ nữ mang thai.
- Đến ngày xét nghiệm để kết thúc cách ly.

Số điện thoại của Trạm Y tế có trong tin nhắn tiếp nhận và ở trang “Chăm sóc F0 tại \
nhà” trên cổng KhaiBao.

## Khi gọi, nói rõ
- Họ tên, tuổi của người bệnh; đang mắc COVID-19, chăm sóc tại nhà từ ngày nào.
- Địa chỉ chính xác: số nhà, đường, thôn hoặc tổ dân phố, phường hoặc xã; điểm dễ tìm \
gần nhà.
- Dấu hiệu đang có, từ lúc nào; kết quả SpO2, nhịp thở, mạch, nhiệt độ nếu đo được.
- Số điện thoại để nhân viên y tế gọi lại.

## Trong khi chờ
- Giữ bình tĩnh; ngồi hoặc nằm ở tư thế dễ thở nhất; nới lỏng quần áo, mở cửa cho thoáng.
- Chuẩn bị sẵn giấy tờ tuỳ thân, thẻ BHYT, các thuốc đang dùng và sổ ghi kết quả đo.
- Đeo khẩu trang; để người nhà ra đón và dẫn đường.
""",
)

LIVING = DefaultPage(
    slug="dinh-duong-va-sinh-hoat",
    title="Dinh dưỡng và sinh hoạt",
    summary="Ăn uống đủ chất, uống đủ nước, nghỉ ngơi, vận động nhẹ và giữ cho người nhà "
    "không bị lây.",
    order=40,
    body="""\
## Ăn uống
- Uống nước thường xuyên, không đợi đến khi khát; có thể uống nước lọc, nước hoa quả, \
nước cháo, oresol khi sốt hoặc tiêu chảy (pha đúng hướng dẫn trên gói).
- Không bỏ bữa; ăn đủ chất: cơm, thịt, cá, trứng, sữa, rau xanh, trái cây.
- Mệt, ăn kém: chia nhỏ thành nhiều bữa, ăn thức ăn mềm, dễ tiêu như cháo, súp.
- Không uống rượu bia, không hút thuốc.

## Nghỉ ngơi và vận động
- Ngủ đủ giấc; nghỉ ngơi khi mệt.
- Khi khoẻ hơn, tập thể dục nhẹ trong phòng và tập hít thở sâu, mỗi ngày ít nhất 15 phút.
- Giữ tinh thần thoải mái; nói chuyện với người thân qua điện thoại.

## Vệ sinh và thuốc
- Vệ sinh thân thể, răng miệng hằng ngày; súc miệng, súc họng bằng nước muối sinh lý.
- Dùng thuốc theo hướng dẫn của nhân viên y tế; tiếp tục uống thuốc điều trị bệnh nền \
đều đặn.
- Không tự ý dùng kháng sinh, thuốc kháng vi-rút, thuốc chống viêm (corticoid) hay thuốc \
chống đông khi chưa có chỉ định của bác sĩ.

## Không để người nhà bị lây
- Ở phòng riêng, thoáng khí, mở cửa sổ; hạn chế ra khỏi phòng.
- Đeo khẩu trang khi có người khác trong phòng; người chăm sóc cũng đeo khẩu trang.
- Rửa tay thường xuyên bằng xà phòng hoặc dung dịch sát khuẩn.
- Dùng riêng bát đũa, cốc, khăn; lau các bề mặt hay chạm tay (tay nắm cửa, công tắc, \
điện thoại) bằng dung dịch khử khuẩn.
- Bỏ khẩu trang, khăn giấy đã dùng vào túi riêng, buộc kín, ghi rõ để Trạm Y tế hoặc \
đơn vị thu gom hướng dẫn xử lý.
""",
)

ENDING = DefaultPage(
    slug="ket-thuc-cach-ly",
    title="Kết thúc cách ly",
    summary="Đủ 7 ngày và xét nghiệm âm tính thì kết thúc cách ly; khai báo hoàn thành trên "
    "cổng KhaiBao để nhận giấy xác nhận.",
    order=50,
    body="""\
Người bệnh chăm sóc tại nhà được kết thúc cách ly khi có đủ hai điều kiện:
- Đã cách ly, điều trị đủ 7 ngày, tính ngày xét nghiệm dương tính là ngày thứ nhất.
- Xét nghiệm nhanh kháng nguyên cho kết quả âm tính, do nhân viên y tế làm hoặc người \
bệnh tự làm dưới sự giám sát của nhân viên y tế (trực tiếp hoặc qua điện thoại, video).

Nếu sau 7 ngày kết quả vẫn dương tính: tiếp tục cách ly và làm lại xét nghiệm theo \
hướng dẫn của Trạm Y tế.

## Khai báo hoàn thành cách ly trên cổng KhaiBao
- Đăng nhập bằng số điện thoại và mã OTP.
- Vào “Khai báo F0”, mở khai báo của người bệnh và chọn “Khai báo hoàn thành cách ly”.
- Nhập ngày xét nghiệm âm tính và chụp ảnh kết quả (khay test có ghi họ tên và ngày).
- Trạm Y tế kiểm tra, xác nhận và nhắn tin cho bạn; sau đó bạn tải hoặc in được giấy \
xác nhận hoàn thành cách ly có mã QR.
- Khai báo F0 được gửi từ số điện thoại khác (ví dụ người thân khai giúp): dùng mục \
“Tìm khai báo F0 bằng họ tên, ngày sinh và số điện thoại” trên trang Khai báo F0.
- Chưa có khai báo F0 trên cổng (ví dụ bạn tự đăng ký chăm sóc tại nhà): báo kết quả \
xét nghiệm âm tính cho Trạm Y tế để Trạm ghi nhận kết thúc cách ly.

## Sau khi kết thúc cách ly
- Tiếp tục tự theo dõi sức khoẻ thêm 7 ngày; đo nhiệt độ mỗi ngày.
- Đeo khẩu trang, rửa tay, hạn chế tiếp xúc với người cao tuổi, người có bệnh nền.
- Có một trong các dấu hiệu nguy hiểm: báo Trạm Y tế hoặc gọi 115.
""",
)

DEFAULT_PAGES = (MONITORING, DANGER_SIGNS, WHEN_TO_CALL, LIVING, ENDING)


def guidance_defaults_ensure(*, using: str = "default", model=None) -> list:
    """Add the portal's default pages that are missing (by slug); return those added.

    `model` is the GuidanceDocument class to write with: the migration state's during
    post_migrate, the real one otherwise. A page that exists, whatever it now says, is
    never touched.
    """
    model = model or GuidanceDocument
    existing = set(
        model.objects.using(using).filter(province__isnull=True).values_list("slug", flat=True)
    )
    added = []
    for page in DEFAULT_PAGES:
        if page.slug in existing:
            continue
        document = model(
            province=None,
            slug=page.slug,
            title=page.title,
            summary=page.summary,
            body=page.body,
            order=page.order,
            is_published=True,
        )
        # Uniqueness is the database's to check, on `using` (full_clean would ask the
        # default database).
        document.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic(using=using):
                document.save(using=using)
        except IntegrityError:  # another process seeded it first (the unique slug)
            continue
        added.append(document)
    return added


def guidance_defaults_on_migrate(sender, using: str = "default", apps=None, **kwargs) -> None:
    """post_migrate receiver of the declarations app (see the line in apps.py)."""
    model = None
    if apps is not None:
        try:
            model = apps.get_model("declarations", "GuidanceDocument")
        except LookupError:  # migrated back before the model existed: nothing to seed
            return
    guidance_defaults_ensure(using=using, model=model)
